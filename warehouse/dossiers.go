package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua"
)

// dossiersSQL lists the dossiers of one figure over dossier_facts: the rows
// whose signs add up to one (a row cancelled by a later fold adds up to
// zero), so that the list holds exactly what the summary counts.
const dossiersSQL = `SELECT dossier_id, unit, handling_unit, procedure, official, toString(channel),
    toUInt32(received_at), toUInt32(due_at), has_due, toUInt32(paused_since), toUInt32(resolved_at), toString(outcome), toUInt32(closed_at)
FROM (
    WITH %[1]stoDateTime(%[2]d, 'Asia/Ho_Chi_Minh') AS wf, toDateTime(%[3]d, 'Asia/Ho_Chi_Minh') AS wt
    SELECT dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at, has_due, paused_since,
        resolved_at, outcome, closed_at
    FROM dossier_facts
    WHERE toUInt32(received_at) != 0 AND (%[4]s) %[5]s
    GROUP BY dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at, has_due, paused_since,
        resolved_at, outcome, closed_at
    HAVING sum(sign) > 0
)
ORDER BY has_due DESC, due_at, dossier_id
LIMIT %[6]d OFFSET %[7]d`

// dossierCountSQL counts the same rows.
const dossierCountSQL = `SELECT count() FROM (
    WITH %[1]stoDateTime(%[2]d, 'Asia/Ho_Chi_Minh') AS wf, toDateTime(%[3]d, 'Asia/Ho_Chi_Minh') AS wt
    SELECT dossier_id
    FROM dossier_facts
    WHERE toUInt32(received_at) != 0 AND (%[4]s) %[5]s
    GROUP BY dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at, has_due, paused_since,
        resolved_at, outcome, closed_at
    HAVING sum(sign) > 0
)`

// MaxDossierPage caps the rows of one page of a dossier list.
const MaxDossierPage = 10_000

// Dossiers returns one page of the dossiers that q's figure counts, and how
// many there are in all.
func (w *Warehouse) Dossiers(ctx context.Context, q motcua.DossierQuery) ([]motcua.DossierRow, uint64, error) {
	list, count, args, err := dossiersQuery(q)
	if err != nil {
		return nil, 0, err
	}
	ctx = w.limited(ctx)
	var total uint64
	if err := w.conn.QueryRow(ctx, count, args...).Scan(&total); err != nil {
		return nil, 0, w.limitError(wrap(fmt.Errorf("cannot count the dossiers of %q: %w", q.Figure, err)))
	}
	if q.Limit == 0 || uint64(q.Offset) >= total {
		return nil, total, nil
	}
	rows, err := w.conn.Query(ctx, list, args...)
	if err != nil {
		return nil, 0, w.limitError(wrap(fmt.Errorf("cannot list the dossiers of %q: %w", q.Figure, err)))
	}
	defer rows.Close()
	var out []motcua.DossierRow
	for rows.Next() {
		var d motcua.DossierRow
		var channel, outcome string
		var received, due, paused, resolved, closed uint32
		var hasDue uint8
		if err := rows.Scan(&d.ID, &d.Unit, &d.HandlingUnit, &d.Procedure, &d.Official, &channel,
			&received, &due, &hasDue, &paused, &resolved, &outcome, &closed); err != nil {
			return nil, 0, fmt.Errorf("cannot read the dossiers of %q: %w", q.Figure, err)
		}
		d.Channel, d.Outcome = motcua.Channel(channel), motcua.Outcome(outcome)
		d.ReceivedAt, d.PausedSince, d.ResolvedAt, d.ClosedAt = timeOf(received), timeOf(paused), timeOf(resolved), timeOf(closed)
		if hasDue == 1 {
			d.DueAt = timeOf(due)
		}
		out = append(out, d)
	}
	return out, total, wrap(rows.Err())
}

// dossiersQuery writes dossiersSQL and dossierCountSQL for q.
func dossiersQuery(q motcua.DossierQuery) (list, count string, args []any, err error) {
	cond, err := figureCondition(q.Figure)
	if err != nil {
		return "", "", nil, err
	}
	if q.Figure.AtInstant() && q.Now == nil {
		return "", "", nil, fmt.Errorf("cannot list the dossiers of %q without an instant", q.Figure)
	}
	if q.Limit < 0 || q.Limit > MaxDossierPage || q.Offset < 0 {
		return "", "", nil, fmt.Errorf("cannot list dossiers %d to %d: a page holds 0 to %d", q.Offset, q.Offset+q.Limit, MaxDossierPage)
	}
	now := instantSQL(q.Now) // the WITH list goes on with the window
	where, args := filterSQL(q.Units, q.Channel, q.Procedure, q.Official)
	from, to := max(0, q.Window.From.Unix()), max(0, q.Window.To.Unix())
	return fmt.Sprintf(dossiersSQL, now, from, to, cond, where, q.Limit, q.Offset),
		fmt.Sprintf(dossierCountSQL, now, from, to, cond, where), args, nil
}

// timeOf is the time of Unix seconds in Asia/Ho_Chi_Minh; zero for 0.
func timeOf(s uint32) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).In(motcua.Location)
}
