package warehouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/motcua/motcua"
)

// rawSummarySQL computes the summary's counts from the raw events alone,
// folding each dossier with GROUP BY dossier_id on every call. It is the
// reference that Summary is checked and measured against; it knows only
// due dates that events carry (no calendar), so it agrees with Summary where
// every dossier's events carry one.
const rawSummarySQL = `SELECT
    arrayJoin([%[2]s]) AS w,
    toUInt32(w.1) AS wi,
    toDateTime(w.2, 'Asia/Ho_Chi_Minh') AS wf,
    toDateTime(w.3, 'Asia/Ho_Chi_Minh') AS wt,
    %[1]s AS k,
    sumIf(toInt8(1), received_at >= wf AND received_at < wt) AS new,
    sumIf(toInt8(1), received_at < wf AND (toUInt32(closed_at) = 0 OR closed_at >= wf)) AS carried,
    sumIf(toInt8(1), received_at >= wf AND received_at < wt AND channel = 'online') AS new_online,
    sumIf(toInt8(1), received_at >= wf AND received_at < wt AND channel = 'direct') AS new_direct,
    sumIf(toInt8(1), received_at >= wf AND received_at < wt AND channel = 'postal') AS new_postal,
    sumIf(toInt8(1), resolved_at >= wf AND resolved_at < wt) AS resolved,
    sumIf(toInt8(1), resolved_at >= wf AND resolved_at < wt AND d_has_due = 1 AND toDate(resolved_at) < toDate(d_due)) AS early,
    sumIf(toInt8(1), resolved_at >= wf AND resolved_at < wt AND (d_has_due = 0 OR toDate(resolved_at) = toDate(d_due))) AS on_time,
    sumIf(toInt8(1), resolved_at >= wf AND resolved_at < wt AND d_has_due = 1 AND toDate(resolved_at) > toDate(d_due)) AS late,
    sumIf(toInt8(1), received_at < wt AND (toUInt32(closed_at) = 0 OR closed_at >= wt)) AS open_end,
    sumIf(toInt8(1), received_at < wt AND (toUInt32(closed_at) = 0 OR closed_at >= wt) AND d_has_due = 1 AND d_due < wt) AS overdue_end,
    sumIf(toInt8(1), returned_at >= wf AND returned_at < wt AND return_channel = 'postal') AS returned_postal
FROM (
    SELECT
        dossier_id,
        argMinIf(unit, at, type = 'received') AS unit,
        argMinIf(procedure, at, type = 'received') AS procedure,
        argMinIf(official, at, type = 'received') AS official,
        argMinIf(toString(channel), at, type = 'received') AS channel,
        minIf(at, type = 'received') AS received_at,
        argMaxIf(due_at, at, has_due = 1) AS d_due,
        max(has_due) AS d_has_due,
        minIf(at, type = 'resolved') AS resolved_at,
        minIf(at, type IN ('resolved', 'rejected', 'withdrawn')) AS closed_at,
        minIf(at, type = 'returned') AS returned_at,
        argMinIf(toString(return_channel), at, type = 'returned') AS return_channel
    FROM events
    GROUP BY dossier_id
)
WHERE toUInt32(received_at) != 0 AND received_at < wt %[3]s
GROUP BY w, wi, wf, wt, k
HAVING new + carried + resolved + open_end + returned_postal != 0
ORDER BY wi, k`

// SummaryFromEvents answers q from the raw events, without dossier_facts.
func (w *Warehouse) SummaryFromEvents(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	query, args, err := summaryQuery(rawSummarySQL, q)
	if err != nil {
		return nil, err
	}
	return w.readCounts(ctx, query, args)
}

func summaryQuery(tmpl string, q motcua.SummaryQuery) (string, []any, error) {
	key := "''"
	switch q.By {
	case "":
	case "unit", "procedure", "official":
		key = q.By
	default:
		return "", nil, fmt.Errorf("cannot group by %q", q.By)
	}
	if len(q.Windows) == 0 {
		return "", nil, fmt.Errorf("cannot summarise: no period")
	}
	wins := make([]string, len(q.Windows))
	for i, win := range q.Windows {
		wins[i] = fmt.Sprintf("(%d, %d, %d)", i, win.From.Unix(), win.To.Unix())
	}
	var where strings.Builder
	var args []any
	if q.Units != nil {
		quoted := make([]string, len(q.Units))
		for i, u := range q.Units {
			quoted[i] = quote(u)
		}
		where.WriteString(" AND unit IN (" + strings.Join(quoted, ", ") + ")")
	}
	if q.Channel != "" {
		where.WriteString(" AND channel = ?")
		args = append(args, q.Channel)
	}
	return fmt.Sprintf(tmpl, key, strings.Join(wins, ", "), where.String()), args, nil
}
