package warehouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
)

// figureSQL is the condition that puts a row of dossier facts in each
// figure: over the window [wf, wt), or at the instant nowt (whose calendar
// day starts at nowday; approach is the latest due time that is approaching
// then for the row's handling unit). A dossier is open at t when received
// before t and not closed before t; overdue when open and due before the end
// of the window, unless its clock stands still under a supplement request.
// The summary sums these conditions and the dossier lists select by them,
// so a list holds exactly the dossiers that its figure counts.
var figureSQL = map[motcua.Figure]string{
	motcua.FigNew:                  `received_at >= wf AND received_at < wt`,
	motcua.FigCarriedOver:          `received_at < wf AND (toUInt32(closed_at) = 0 OR closed_at >= wf)`,
	motcua.FigNewOnline:            `received_at >= wf AND received_at < wt AND channel = 'online'`,
	motcua.FigNewDirect:            `received_at >= wf AND received_at < wt AND channel = 'direct'`,
	motcua.FigNewPostal:            `received_at >= wf AND received_at < wt AND channel = 'postal'`,
	motcua.FigResolved:             `resolved_at >= wf AND resolved_at < wt`,
	motcua.FigEarly:                `resolved_at >= wf AND resolved_at < wt AND outcome = 'early'`,
	motcua.FigOnTime:               `resolved_at >= wf AND resolved_at < wt AND outcome = 'on_time'`,
	motcua.FigLate:                 `resolved_at >= wf AND resolved_at < wt AND outcome = 'late'`,
	motcua.FigOpenAtEnd:            openAtEnd,
	motcua.FigOverdueAtEnd:         openAtEnd + ` AND ` + overdueAtEnd,
	motcua.FigReturnedPostal:       `returned_at >= wf AND returned_at < wt AND return_channel = 'postal'`,
	motcua.FigClosedUnresolved:     `toUInt32(resolved_at) = 0 AND closed_at >= wf AND closed_at < wt`,
	motcua.FigOverdueUnpausedAtEnd: openAtEnd + ` AND ` + overdueAtEnd + ` AND NOT (toUInt32(paused_since) != 0 AND paused_since < wt)`,
	motcua.FigOpenNow:              openNow,
	motcua.FigOverdueNow:           openNow + ` AND has_due = 1 AND due_at < nowday AND NOT ` + pausedNow,
	motcua.FigApproachingNow:       openNow + ` AND has_due = 1 AND due_at >= nowday AND toUInt32(due_at) <= approach AND NOT ` + pausedNow,
}

const (
	openAtEnd    = `received_at < wt AND (toUInt32(closed_at) = 0 OR closed_at >= wt)`
	overdueAtEnd = `has_due = 1 AND due_at < wt AND NOT (due_computed = 1 AND toUInt32(paused_since) != 0 AND paused_since < wt)`
	openNow      = `received_at <= nowt AND (toUInt32(closed_at) = 0 OR closed_at > nowt)`
	pausedNow    = `(due_computed = 1 AND toUInt32(paused_since) != 0 AND paused_since <= nowt)`
)

// The figures of every summary, in the order of its columns (see counted),
// and those added when it asks for an instant.
var (
	periodFigures = []motcua.Figure{motcua.FigNew, motcua.FigCarriedOver, motcua.FigNewOnline, motcua.FigNewDirect,
		motcua.FigNewPostal, motcua.FigResolved, motcua.FigEarly, motcua.FigOnTime, motcua.FigLate, motcua.FigOpenAtEnd,
		motcua.FigOverdueAtEnd, motcua.FigReturnedPostal, motcua.FigClosedUnresolved, motcua.FigOverdueUnpausedAtEnd}
	instantFigures = []motcua.Figure{motcua.FigOpenNow, motcua.FigOverdueNow, motcua.FigApproachingNow}
)

// figureCondition is the condition of a figure that figureSQL holds, or
// that is made of those (handled, within due at the end).
func figureCondition(f motcua.Figure) (string, error) {
	switch f {
	case motcua.FigHandled:
		return "((" + figureSQL[motcua.FigNew] + ") OR (" + figureSQL[motcua.FigCarriedOver] + "))", nil
	case motcua.FigWithinDueAtEnd:
		return openAtEnd + " AND NOT (" + overdueAtEnd + ")", nil
	}
	c, ok := figureSQL[f]
	if !ok {
		return "", fmt.Errorf("cannot select by figure %q", f)
	}
	return c, nil
}

// instantSQL binds nowt, nowday and approach for in, for a WITH clause;
// each binding ends with ", ".
func instantSQL(in *motcua.Instant) string {
	if in == nil {
		return ""
	}
	approach := fmt.Sprintf("toUInt32(%d)", unix(in.Default))
	if len(in.Approach) > 0 {
		units := make([]string, 0, len(in.Approach))
		for u := range in.Approach {
			units = append(units, u)
		}
		slices.Sort(units)
		var b strings.Builder
		b.WriteString("multiIf(")
		for _, u := range units {
			fmt.Fprintf(&b, "handling_unit = %s, toUInt32(%d), ", quote(u), unix(in.Approach[u]))
		}
		b.WriteString(approach + ")")
		approach = b.String()
	}
	return fmt.Sprintf("toDateTime(%d, 'Asia/Ho_Chi_Minh') AS nowt, toDateTime(%d, 'Asia/Ho_Chi_Minh') AS nowday, %s AS approach, ",
		in.At.Unix(), motcua.DayOf(in.At).Unix(), approach)
}

// summarySQL counts over a source of dossier rows (%[4]s: dossier_facts, or
// eventsAsFacts for the reference path), weighting every row by its sign:
// %[5]s sums each figure's condition (figureSQL) within each window.
const summarySQL = `%[6]sSELECT
    arrayJoin([%[2]s]) AS w,
    toUInt32(w.1) AS wi,
    toDateTime(w.2, 'Asia/Ho_Chi_Minh') AS wf,
    toDateTime(w.3, 'Asia/Ho_Chi_Minh') AS wt,
    %[1]s AS k,
    %[5]s
FROM %[4]s
WHERE toUInt32(received_at) != 0 AND %[7]s %[3]s
GROUP BY w, wi, wf, wt, k
HAVING %[8]s != 0
ORDER BY wi, k`

// Summary returns the counts of each group of each window.
func (w *Warehouse) Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	query, args, err := summaryQuery("dossier_facts", q)
	if err != nil {
		return nil, err
	}
	counts, err := w.readCounts(w.limited(ctx), query, args, q.Now != nil)
	return counts, w.limitError(err)
}

// limited bounds a reader's query by the summary's time and memory limits.
func (w *Warehouse) limited(ctx context.Context) context.Context {
	secs := max(1, int(w.cfg.SummaryTimeout.Round(time.Second)/time.Second))
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"max_execution_time": secs,
		"max_memory_usage":   int(w.cfg.SummaryMaxMemory), // int: what clickhouse-go encodes for 18.16
	}))
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
		return fmt.Errorf("cannot answer within %s, the time limit of a summary or list (max_execution_time): %w", w.cfg.SummaryTimeout, motcua.ErrQueryTimeout)
	case codeMemoryLimitExceeded:
		return fmt.Errorf("cannot answer within %d bytes of memory, the limit of a summary or list (max_memory_usage): %w", w.cfg.SummaryMaxMemory, motcua.ErrQueryMemory)
	}
	return err
}

// counted returns the fields of c that the summary's columns fill, in the
// order of periodFigures and instantFigures.
func counted(c *motcua.Counts, withInstant bool) []*uint64 {
	f := []*uint64{&c.New, &c.CarriedOver, &c.NewOnline, &c.NewDirect, &c.NewPostal, &c.Resolved, &c.Early,
		&c.OnTime, &c.Late, &c.OpenAtEnd, &c.OverdueAtEnd, &c.ReturnedPostal, &c.ClosedUnresolved, &c.OverdueUnpausedAtEnd}
	if withInstant {
		f = append(f, &c.OpenNow, &c.OverdueNow, &c.ApproachingNow)
	}
	return f
}

func (w *Warehouse) readCounts(ctx context.Context, query string, args []any, withInstant bool) ([]motcua.Counts, error) {
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
		fields := counted(&c, withInstant)
		vals := make([]int64, len(fields))
		dest := []any{&w, &wi, &wf, &wt, &c.Key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("cannot read the summary: %w", err)
		}
		c.Window = int(wi)
		for i, p := range fields {
			*p = uint64(vals[i])
		}
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
	case "procedure", "official":
		key = q.By
	case "unit":
		key = unitExpr(q.Successors)
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
	figs := periodFigures
	received := "received_at < wt"
	with := ""
	if q.Now != nil {
		figs = append(slices.Clip(figs), instantFigures...)
		received = "(received_at < wt OR received_at <= nowt)"
		with = "WITH " + strings.TrimSuffix(instantSQL(q.Now), ", ") + "\n"
	}
	sums := make([]string, len(figs))
	names := make([]string, len(figs))
	for i, f := range figs {
		names[i] = "f_" + string(f)
		sums[i] = fmt.Sprintf("sumIf(sign, %s) AS %s", figureSQL[f], names[i])
	}
	where, args := filterSQL(unitExpr(q.Successors), q.Units, q.Channel, q.Procedure, q.Official)
	if source == "dossier_facts" { // the reference over raw events has no settled column
		from := time.Now()
		for _, win := range q.Windows {
			from = minTime(from, win.From)
		}
		if q.Now != nil {
			from = minTime(from, q.Now.At)
		}
		where += " AND " + settledSince(from)
	}
	return fmt.Sprintf(summarySQL, key, strings.Join(wins, ", "), where, source, strings.Join(sums, ",\n    "),
		with, received, strings.Join(names, " + ")), args, nil
}

// filterSQL restricts rows to the units (nil: all), channel, procedure and
// official asked for.
func filterSQL(unit string, units []string, channel, procedure, official string) (string, []any) {
	var where strings.Builder
	var args []any
	if units != nil {
		quoted := make([]string, len(units))
		for i, u := range units {
			quoted[i] = quote(u)
		}
		where.WriteString(" AND " + unit + " IN (" + strings.Join(quoted, ", ") + ")")
	}
	for _, f := range []struct{ col, v string }{{"channel", channel}, {"procedure", procedure}, {"official", official}} {
		if f.v != "" {
			where.WriteString(" AND " + f.col + " = ?")
			args = append(args, f.v)
		}
	}
	return where.String(), args
}

// unitExpr is the unit a row counts under: its receiver, or the unit that
// stands for it in successors.
func unitExpr(successors map[string]string) string {
	if len(successors) == 0 {
		return "unit"
	}
	olds := make([]string, 0, len(successors))
	for o := range successors {
		olds = append(olds, o)
	}
	slices.Sort(olds)
	from, to := make([]string, len(olds)), make([]string, len(olds))
	for i, o := range olds {
		from[i], to[i] = quote(o), quote(successors[o])
	}
	return "transform(unit, [" + strings.Join(from, ", ") + "], [" + strings.Join(to, ", ") + "], unit)"
}

// settledSince is the condition that keeps the rows of dossier_facts that
// may count in a figure of a period from the time on, or at an instant
// from it: the dossiers still open, and those settled in its month or
// later. dossier_facts is ordered by settled first, so that ClickHouse reads
// only those.
func settledSince(from time.Time) string {
	return fmt.Sprintf("(settled = 0 OR settled >= %d)", monthOf(from))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// quote writes s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
