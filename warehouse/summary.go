package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
)

// summarySQL counts over a source of dossier rows (%[4]s: dossier_facts, or
// eventsAsFacts for the reference path), weighting every row by its sign.
// wf and wt bound the window; a dossier is open at t when received before t
// and not closed before t; overdue at the end when open then and due before
// the window's end, unless its clock stands still under a supplement request.
const summarySQL = `SELECT
    arrayJoin([%[2]s]) AS w,
    toUInt32(w.1) AS wi,
    toDateTime(w.2, 'Asia/Ho_Chi_Minh') AS wf,
    toDateTime(w.3, 'Asia/Ho_Chi_Minh') AS wt,
    %[1]s AS k,
    sumIf(sign, received_at >= wf AND received_at < wt) AS new,
    sumIf(sign, received_at < wf AND (toUInt32(closed_at) = 0 OR closed_at >= wf)) AS carried,
    sumIf(sign, received_at >= wf AND received_at < wt AND channel = 'online') AS new_online,
    sumIf(sign, received_at >= wf AND received_at < wt AND channel = 'direct') AS new_direct,
    sumIf(sign, received_at >= wf AND received_at < wt AND channel = 'postal') AS new_postal,
    sumIf(sign, resolved_at >= wf AND resolved_at < wt) AS resolved,
    sumIf(sign, resolved_at >= wf AND resolved_at < wt AND outcome = 'early') AS early,
    sumIf(sign, resolved_at >= wf AND resolved_at < wt AND outcome = 'on_time') AS on_time,
    sumIf(sign, resolved_at >= wf AND resolved_at < wt AND outcome = 'late') AS late,
    sumIf(sign, received_at < wt AND (toUInt32(closed_at) = 0 OR closed_at >= wt)) AS open_end,
    sumIf(sign, received_at < wt AND (toUInt32(closed_at) = 0 OR closed_at >= wt) AND has_due = 1 AND due_at < wt
        AND NOT (due_computed = 1 AND toUInt32(paused_since) != 0 AND paused_since < wt)) AS overdue_end,
    sumIf(sign, returned_at >= wf AND returned_at < wt AND return_channel = 'postal') AS returned_postal
FROM %[4]s
WHERE toUInt32(received_at) != 0 AND received_at < wt %[3]s
GROUP BY w, wi, wf, wt, k
HAVING new + carried + resolved + open_end + returned_postal != 0
ORDER BY wi, k`

// Summary returns the counts of each group of each window.
func (w *Warehouse) Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	query, args, err := summaryQuery("dossier_facts", q)
	if err != nil {
		return nil, err
	}
	secs := max(1, int(w.cfg.SummaryTimeout.Round(time.Second)/time.Second))
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"max_execution_time": secs,
		"max_memory_usage":   int(w.cfg.SummaryMaxMemory), // int: what clickhouse-go encodes for 18.16
	}))
	counts, err := w.readCounts(ctx, query, args)
	return counts, w.limitError(err)
}

// ClickHouse's codes for a query stopped by one of its limits.
const (
	codeTimeoutExceeded     = 159
	codeMemoryLimitExceeded = 241
)

// limitError says which limit stopped a summary, when one did.
func (w *Warehouse) limitError(err error) error {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return err
	}
	switch ex.Code {
	case codeTimeoutExceeded:
		return fmt.Errorf("cannot compute the summary within %s, its time limit (max_execution_time): %w", w.cfg.SummaryTimeout, motcua.ErrQueryTimeout)
	case codeMemoryLimitExceeded:
		return fmt.Errorf("cannot compute the summary within %d bytes of memory, its limit (max_memory_usage): %w", w.cfg.SummaryMaxMemory, motcua.ErrQueryMemory)
	}
	return err
}

func (w *Warehouse) readCounts(ctx context.Context, query string, args []any) ([]motcua.Counts, error) {
	rows, err := w.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot compute the summary: %w", err))
	}
	defer rows.Close()
	var out []motcua.Counts
	for rows.Next() {
		var c motcua.Counts
		var wi uint32
		var w []any
		var wf, wt time.Time
		var n, carried, on, od, op, res, e, ot, l, oe, ode, rp int64
		if err := rows.Scan(&w, &wi, &wf, &wt, &c.Key, &n, &carried, &on, &od, &op, &res, &e, &ot, &l, &oe, &ode, &rp); err != nil {
			return nil, fmt.Errorf("cannot read the summary: %w", err)
		}
		c.Window = int(wi)
		c.New, c.CarriedOver, c.NewOnline, c.NewDirect, c.NewPostal = uint64(n), uint64(carried), uint64(on), uint64(od), uint64(op)
		c.Resolved, c.Early, c.OnTime, c.Late = uint64(res), uint64(e), uint64(ot), uint64(l)
		c.OpenAtEnd, c.OverdueAtEnd, c.ReturnedPostal = uint64(oe), uint64(ode), uint64(rp)
		c.Handled = c.New + c.CarriedOver
		out = append(out, c)
	}
	return out, wrap(rows.Err())
}

// summaryQuery writes summarySQL for q over the source of dossier rows.
func summaryQuery(source string, q motcua.SummaryQuery) (string, []any, error) {
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
		// The first day of the storage, 1970-01-01 in Asia/Ho_Chi_Minh, starts
		// seven hours before the Unix epoch that DateTime cannot go below.
		wins[i] = fmt.Sprintf("(%d, %d, %d)", i, max(0, win.From.Unix()), max(0, win.To.Unix()))
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
	return fmt.Sprintf(summarySQL, key, strings.Join(wins, ", "), where.String(), source), args, nil
}

// quote writes s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
