package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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
%[6]s`

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
	ctx, err = w.withIDs(w.limited(ctx), q.IDs)
	if err != nil {
		return nil, 0, err
	}
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
	var out []motcua.DossierRow
	err = scanDossiers(rows, func(d motcua.DossierRow) error { out = append(out, d); return nil })
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read the dossiers of %q: %w", q.Figure, err)
	}
	return out, total, nil
}

// EachDossier calls fn with each dossier that q's figure counts, in the
// order of Dossiers, without paging (q.Limit and q.Offset are not used):
// for the alerts' pass over every open dossier.
func (w *Warehouse) EachDossier(ctx context.Context, q motcua.DossierQuery, fn func(motcua.DossierRow) error) error {
	q.Limit, q.Offset = 0, 0
	list, _, args, err := dossiersQuery(q)
	if err != nil {
		return err
	}
	ctx, err = w.withIDs(w.limited(ctx), q.IDs)
	if err != nil {
		return err
	}
	rows, err := w.conn.Query(ctx, list, args...)
	if err != nil {
		return w.limitError(wrap(fmt.Errorf("cannot list the dossiers of %q: %w", q.Figure, err)))
	}
	return scanDossiers(rows, fn)
}

// withIDs attaches the ids a query is restricted to, as dossier_ids.
func (w *Warehouse) withIDs(ctx context.Context, ids []string) (context.Context, error) {
	if len(ids) == 0 {
		return ctx, nil
	}
	t, err := idTable("dossier_ids", "id", slices.Values(ids))
	if err != nil {
		return nil, err
	}
	return clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), nil
}

// scanDossiers reads the rows of dossiersSQL.
func scanDossiers(rows driver.Rows, fn func(motcua.DossierRow) error) error {
	defer rows.Close()
	for rows.Next() {
		var d motcua.DossierRow
		var channel, outcome string
		var received, due, paused, resolved, closed uint32
		var hasDue uint8
		if err := rows.Scan(&d.ID, &d.Unit, &d.HandlingUnit, &d.Procedure, &d.Official, &channel,
			&received, &due, &hasDue, &paused, &resolved, &outcome, &closed); err != nil {
			return err
		}
		d.Channel, d.Outcome = motcua.Channel(channel), motcua.Outcome(outcome)
		d.ReceivedAt, d.PausedSince, d.ResolvedAt, d.ClosedAt = timeOf(received), timeOf(paused), timeOf(resolved), timeOf(closed)
		if hasDue == 1 {
			d.DueAt = timeOf(due)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return wrap(rows.Err())
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
	where, args := filterSQL(unitExpr(q.Successors), q.Units, q.Channel, q.Procedure, q.Official)
	from, to := max(0, q.Window.From.Unix()), max(0, q.Window.To.Unix())
	first := q.Window.From
	if q.Now != nil {
		first = minTime(first, q.Now.At)
	}
	where += " AND " + settledSince(first)
	if len(q.IDs) > 0 {
		where += " AND dossier_id IN (SELECT id FROM dossier_ids)"
	}
	if !q.DueBefore.IsZero() {
		where += fmt.Sprintf(" AND has_due = 1 AND due_at < toDateTime(%d, 'Asia/Ho_Chi_Minh')", q.DueBefore.Unix())
	}
	if nt := q.NotTold; nt != nil && len(nt.Stages) > 0 {
		stages := make([]string, len(nt.Stages))
		for i, st := range nt.Stages {
			stages[i] = quote(string(st))
		}
		day := ""
		if !nt.Day.IsZero() {
			day = fmt.Sprintf(" AND day = toDate('%s')", nt.Day.Format(time.DateOnly))
		}
		where += fmt.Sprintf(" AND dossier_id NOT IN (SELECT dossier_id FROM notifications WHERE stage IN (%s)%s)", strings.Join(stages, ", "), day)
	}
	limit := ""
	if q.Limit > 0 {
		limit = fmt.Sprintf("LIMIT %d OFFSET %d", q.Limit, q.Offset)
	}
	return fmt.Sprintf(dossiersSQL, now, from, to, cond, where, limit),
		fmt.Sprintf(dossierCountSQL, now, from, to, cond, where), args, nil
}

// timeOf is the time of Unix seconds in Asia/Ho_Chi_Minh; zero for 0.
func timeOf(s uint32) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).In(motcua.Location)
}

// AlertCounts counts, by the unit handling them, the open dossiers overdue
// and approaching at the instant (the figures overdue_now and
// approaching_now).
func (w *Warehouse) AlertCounts(ctx context.Context, now *motcua.Instant) (map[string][2]uint64, error) {
	q := fmt.Sprintf(`WITH %s toDateTime(0, 'Asia/Ho_Chi_Minh') AS wf
SELECT handling_unit, sumIf(sign, %s) AS overdue, sumIf(sign, %s) AS approaching
FROM dossier_facts WHERE toUInt32(received_at) != 0 AND received_at <= nowt AND %s
GROUP BY handling_unit HAVING overdue + approaching != 0`,
		instantSQL(now), figureSQL[motcua.FigOverdueNow], figureSQL[motcua.FigApproachingNow], settledSince(now.At))
	rows, err := w.conn.Query(w.limited(ctx), q)
	if err != nil {
		return nil, w.limitError(wrap(fmt.Errorf("cannot count the dossiers to alert of: %w", err)))
	}
	defer rows.Close()
	out := map[string][2]uint64{}
	for rows.Next() {
		var u string
		var o, a int64
		if err := rows.Scan(&u, &o, &a); err != nil {
			return nil, err
		}
		out[u] = [2]uint64{uint64(o), uint64(a)}
	}
	return out, wrap(rows.Err())
}

// ClosedNotices returns the rows of the notification log, not marked done,
// of dossiers that are no longer open at the instant.
func (w *Warehouse) ClosedNotices(ctx context.Context, now *motcua.Instant) ([]motcua.Notice, error) {
	q := fmt.Sprintf(selectClosedNotices, instantSQL(now))
	rows, err := w.conn.Query(ctx, q)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read the notification log: %w", err))
	}
	return scanNotices(rows)
}
