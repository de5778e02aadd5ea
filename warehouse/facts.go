package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"

	"github.com/motcua/motcua"
)

// factRow is one dossier_facts row; times are Unix seconds, 0 for never.
type factRow struct {
	DossierID, Unit, HandlingUnit, Procedure, Official, Channel string
	ReceivedAt, DueAt                                           int64
	HasDue, DueComputed                                         uint8
	PausedSince, ResolvedAt                                     int64
	Outcome                                                     string
	ReturnedAt                                                  int64
	ReturnChannel                                               string
	RejectedAt, WithdrawnAt, ClosedAt                           int64
	FeeVND                                                      int64
	PaidOnline, Digitized                                       uint8
	IngestedTo                                                  int64
	Settled                                                     uint32
	Events                                                      uint32 // how many events it was folded from
}

const factCols = `dossier_id, unit, handling_unit, procedure, official, toString(channel), toUInt32(received_at), toUInt32(due_at), has_due,
 due_computed, toUInt32(paused_since), toUInt32(resolved_at), toString(outcome), toUInt32(returned_at), toString(return_channel),
 toUInt32(rejected_at), toUInt32(withdrawn_at), toUInt32(closed_at), fee_vnd, paid_online, digitized, toUInt32(ingested_to), settled, events`

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func b8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func rowOf(d *motcua.Dossier, ingestedTo time.Time, events int) factRow {
	return factRow{
		DossierID: d.ID, Unit: d.Unit, HandlingUnit: d.HandlingUnit, Procedure: d.Procedure, Official: d.Official,
		Channel: string(d.Channel), ReceivedAt: unix(d.ReceivedAt), DueAt: unix(d.DueAt), HasDue: b8(!d.DueAt.IsZero()),
		DueComputed: b8(d.DueComputed), PausedSince: unix(d.PausedSince), ResolvedAt: unix(d.ResolvedAt), Outcome: string(d.Outcome()),
		ReturnedAt: unix(d.ReturnedAt), ReturnChannel: string(d.ReturnChannel), RejectedAt: unix(d.RejectedAt),
		WithdrawnAt: unix(d.WithdrawnAt), ClosedAt: unix(d.ClosedAt()), FeeVND: d.FeeVND, PaidOnline: b8(d.PaidOnline),
		Digitized: b8(d.Digitized), IngestedTo: unix(ingestedTo), Settled: settledMonth(d),
		Events: uint32(events),
	}
}

// settledMonth is the month (YYYYMM) of the last thing that happened to a
// closed dossier, 0 while it is open: dossier_facts is ordered by it, so
// that a period's figures skip the dossiers that were over before it.
func settledMonth(d *motcua.Dossier) uint32 {
	closed := d.ClosedAt()
	if closed.IsZero() {
		return 0
	}
	last := closed
	for _, t := range []time.Time{d.ResolvedAt, d.ReturnedAt, d.RejectedAt, d.WithdrawnAt} {
		if t.After(last) {
			last = t
		}
	}
	return monthOf(last)
}

// monthOf is the month (YYYYMM) of t in Asia/Ho_Chi_Minh, 0 before 1970.
func monthOf(t time.Time) uint32 {
	if t.Unix() < 0 {
		return 0
	}
	l := t.In(motcua.Location)
	return uint32(l.Year()*100 + int(l.Month()))
}

// idChunk is how many ids a query sends at most, as one external table.
const idChunk = 200_000

// idTable makes an external table of one String column: ids that travel
// with a query, so that a lookup of any size is one read.
func idTable(name, column string, ids iter.Seq[string]) (*ext.Table, error) {
	t, err := ext.NewTable(name, ext.Column(column, "String"))
	if err != nil {
		return nil, err
	}
	for id := range ids {
		if err := t.Append(id); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// RefreshDossiers folds the events of each dossier in ids with the domain's
// rules and brings its dossier_facts row up to date: an unchanged dossier is
// left alone, a changed one gets its old row cancelled and its new one
// written. It returns how many dossiers changed.
//
// Its cost grows with len(ids), not with the history: it reads the events
// from events and the rows it cancels from dossier_facts_by_id, both
// ordered by dossier in small granules (bench/: BenchmarkRefresh).
func (w *Warehouse) RefreshDossiers(ctx context.Context, ids []string, cat *motcua.Catalog, cal *motcua.Calendar) (int, error) {
	changed := 0
	for len(ids) > 0 {
		n := min(idChunk, len(ids))
		c, err := w.refreshChunk(ctx, ids[:n], cat, cal)
		if err != nil {
			return changed, err
		}
		changed += c
		ids = ids[n:]
	}
	return changed, nil
}

func (w *Warehouse) refreshChunk(ctx context.Context, ids []string, cat *motcua.Catalog, cal *motcua.Calendar) (int, error) {
	t, err := idTable("dossier_ids", "id", slices.Values(ids))
	if err != nil {
		return 0, err
	}
	// The rows to cancel are read while the events are: the two reads are
	// independent, and each costs mostly the decompression of the blocks that
	// hold the dossiers, which ClickHouse does on a core of its own.
	type facts struct {
		rows map[string][]factRow
		err  error
	}
	cur := make(chan facts, 1)
	go func() {
		rows, err := w.currentFacts(ctx, ids)
		cur <- facts{rows, err}
	}()
	qctx := clickhouse.Context(ctx, clickhouse.WithExternalTable(t))
	rows, err := w.conn.Query(qctx, selectEventsOfDossiers)
	if err != nil {
		<-cur
		return 0, wrap(fmt.Errorf("cannot read events of %d dossiers: %w", len(ids), err))
	}
	byDossier := make(map[string][]motcua.Event, len(ids))
	ingested := make(map[string]time.Time, len(ids))
	for rows.Next() {
		e, ing, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			<-cur
			return 0, err
		}
		byDossier[e.DossierID] = append(byDossier[e.DossierID], e)
		if ing.After(ingested[e.DossierID]) {
			ingested[e.DossierID] = ing
		}
	}
	rows.Close()
	f := <-cur
	if err := rows.Err(); err != nil {
		return 0, wrap(err)
	}
	if f.err != nil {
		return 0, f.err
	}
	old := f.rows
	days := func(code string) (float64, bool) {
		p, ok := cat.Procedure(code)
		return p.ProcessingDays(), ok
	}
	var out []factRow
	var signs []int8
	changed := 0
	for id, evs := range byDossier {
		d := motcua.Fold(evs, cal, days)
		row := rowOf(&d, ingested[id], len(evs))
		prev := old[id]
		if len(prev) == 1 && prev[0] == row {
			continue
		}
		for _, p := range prev {
			out, signs = append(out, p), append(signs, -1)
		}
		out, signs = append(out, row), append(signs, 1)
		changed++
	}
	if len(out) == 0 {
		return 0, nil
	}
	return changed, w.writeFacts(ctx, out, signs)
}

// currentFacts returns the live rows of dossier_facts for ids.
func (w *Warehouse) currentFacts(ctx context.Context, ids []string) (map[string][]factRow, error) {
	t, err := idTable("dossier_ids", "id", slices.Values(ids))
	if err != nil {
		return nil, err
	}
	rows, err := w.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)),
		selectCurrentFacts)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read dossier facts: %w", err))
	}
	defer rows.Close()
	out := map[string][]factRow{}
	for rows.Next() {
		var r factRow
		var recv, due, paused, res, ret, rej, wd, closed, ing uint32
		if err := rows.Scan(&r.DossierID, &r.Unit, &r.HandlingUnit, &r.Procedure, &r.Official, &r.Channel, &recv, &due, &r.HasDue,
			&r.DueComputed, &paused, &res, &r.Outcome, &ret, &r.ReturnChannel, &rej, &wd, &closed, &r.FeeVND, &r.PaidOnline,
			&r.Digitized, &ing, &r.Settled, &r.Events); err != nil {
			return nil, fmt.Errorf("cannot read the facts of a dossier: %w", err)
		}
		r.ReceivedAt, r.DueAt, r.PausedSince, r.ResolvedAt = int64(recv), int64(due), int64(paused), int64(res)
		r.ReturnedAt, r.RejectedAt, r.WithdrawnAt, r.ClosedAt, r.IngestedTo = int64(ret), int64(rej), int64(wd), int64(closed), int64(ing)
		out[r.DossierID] = append(out[r.DossierID], r)
	}
	return out, wrap(rows.Err())
}

// writeFacts writes rows with their signs in one insert, a part of
// dossier_facts that the view copies into dossier_facts_by_id. A write that
// fails may have reached the one and not the other: the next write first
// waits for it to be over and restores the copy (settleFacts).
func (w *Warehouse) writeFacts(ctx context.Context, rs []factRow, signs []int8) error {
	if err := w.settleFacts(ctx); err != nil {
		return err
	}
	n := len(rs)
	strs := make([][]string, 9)
	for i := range strs {
		strs[i] = make([]string, n)
	}
	times := make([][]time.Time, 11)
	for i := range times {
		times[i] = make([]time.Time, n)
	}
	u8 := make([][]uint8, 4)
	for i := range u8 {
		u8[i] = make([]uint8, n)
	}
	fee := make([]int64, n)
	settled := make([]uint32, n)
	folds := make([]uint64, n)
	counts := make([]uint32, n)
	fold := newFold()
	now := time.Now().Truncate(time.Second)
	for i, r := range rs {
		for j, s := range []string{r.DossierID, r.Unit, r.HandlingUnit, r.Procedure, r.Official, r.Channel, r.Outcome, r.ReturnChannel} {
			strs[j][i] = s
		}
		for j, t := range []int64{r.ReceivedAt, r.DueAt, r.PausedSince, r.ResolvedAt, r.ReturnedAt, r.RejectedAt, r.WithdrawnAt, r.ClosedAt, r.IngestedTo} {
			times[j][i] = time.Unix(t, 0)
		}
		times[9][i] = now
		u8[0][i], u8[1][i], u8[2][i], u8[3][i] = r.HasDue, r.DueComputed, r.PaidOnline, r.Digitized
		fee[i], settled[i], folds[i], counts[i] = r.FeeVND, r.Settled, fold, r.Events
	}
	qid := newQueryID()
	failed := func(err error) error {
		w.mu.Lock()
		w.unsettledFacts = append(w.unsettledFacts, unsettled{queryID: qid, since: now})
		w.mu.Unlock()
		return wrap(err)
	}
	b, err := w.conn.PrepareBatch(clickhouse.Context(ctx, clickhouse.WithQueryID(qid)), insertFacts)
	if err != nil {
		return failed(fmt.Errorf("cannot prepare dossier facts: %w", err))
	}
	cols := []any{strs[0], strs[1], strs[2], strs[3], strs[4], strs[5], times[0], times[1], u8[0], u8[1], times[2], times[3], strs[6],
		times[4], strs[7], times[5], times[6], times[7], fee, u8[2], u8[3], times[8], settled, folds, times[9], counts, signs}
	for i, c := range cols {
		if err := b.Column(i).Append(c); err != nil {
			b.Abort()
			return failed(fmt.Errorf("cannot add dossier facts column %d: %w", i, err))
		}
	}
	if err := b.Send(); err != nil {
		return failed(fmt.Errorf("cannot write %d dossier facts: %w", n, err))
	}
	return nil
}

// newFold names one write of dossier facts.
func newFold() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) | 1 // 0 names the rows that migration 009 copied
}

// settleFacts makes dossier_facts_by_id agree with dossier_facts again after
// failed writes: it waits until each is over in ClickHouse, then copies the
// rows of each write (fold) since it that reached dossier_facts only.
func (w *Warehouse) settleFacts(ctx context.Context) error {
	return w.settleEach(ctx, &w.unsettledFacts, w.restoreFacts)
}

// restoreFacts makes dossier_facts_by_id agree with dossier_facts for the
// dossiers of the writes since the time that are in dossier_facts and not
// there (restoreFactsByID).
func (w *Warehouse) restoreFacts(ctx context.Context, since time.Time) error {
	s := uint32(max(since.Unix(), 0))
	ids, err := w.strings(ctx, selectUnrestored, s, s)
	if err != nil || len(ids) == 0 {
		return err
	}
	for c := range slices.Chunk(ids, idChunk) {
		t, err := idTable("dossier_ids", "id", slices.Values(c))
		if err != nil {
			return err
		}
		if err := w.conn.Exec(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), restoreFactsByID); err != nil {
			return wrap(fmt.Errorf("cannot restore the lookup of the facts of %d dossiers: %w", len(c), err))
		}
	}
	return nil
}

// CatchUpMargin is how long before a catch-up's start (figures.CatchUp) its
// watermark is set: an insert stamps its rows when it starts and may commit
// up to its timeout later, so rows stamped just before a catch-up may not be
// visible to it yet.
const CatchUpMargin = 5 * time.Minute

// SetFactsWatermark records that every dossier with events ingested before
// the start of a catch-up (less CatchUpMargin) is folded; since is the
// watermark the catch-up started from, which it never moves back. It returns
// the watermark in force after it.
func (w *Warehouse) SetFactsWatermark(ctx context.Context, since, start time.Time) (time.Time, error) {
	upto := start.Add(-CatchUpMargin).Truncate(time.Second)
	if !upto.After(since) {
		return since, nil
	}
	if err := w.insertRow(ctx, insertFactsWatermark, upto, time.Now()); err != nil {
		return since, fmt.Errorf("cannot record the facts watermark: %w", err)
	}
	return upto, nil
}

// FactsWatermark returns the time before which every stored event's dossier
// is folded into dossier_facts (the Unix epoch when nothing is known).
func (w *Warehouse) FactsWatermark(ctx context.Context) (time.Time, error) {
	var upto uint32
	if err := w.conn.QueryRow(ctx, selectFactsWatermark).Scan(&upto); err != nil {
		return time.Time{}, wrap(fmt.Errorf("cannot read the facts watermark: %w", err))
	}
	return time.Unix(int64(upto), 0), nil
}

// Unfolded returns the dossiers with events ingested since the time whose
// facts are missing or were folded from fewer events than are stored: those
// folded already are left alone, so a catch-up costs what it finds.
//
// The dossiers with events since the time are looked at in pages of about
// UnfoldedPage dossiers, ranges of ids, so that the first catch-up after an
// import of years, or with no watermark yet, holds a page of dossiers in
// memory and not all of them (at 50 million dossiers a single query needed
// more than 7.5 GiB), and reads each range of the lookups by dossier once:
// pages of hashed ids read every granule of them each, and at 100 million
// events took 12 s a page. A page's ids are read from events (by a scan of
// its ingested_at column) and sent back with the query that compares them.
func (w *Warehouse) Unfolded(ctx context.Context, since time.Time) ([]string, error) {
	s := uint32(max(since.Unix(), 0))
	// Fewer dossiers than a page leave a sample too small to cut: one page.
	bounds, err := w.pageBounds(ctx, selectIngestedSample, s, int(UnfoldedPage))
	if err != nil {
		return nil, err
	}
	var out []string
	page := 0
	for lo, hi := range pages("", bounds) {
		page++
		ids, err := w.unfoldedPage(ctx, s, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("cannot find dossiers whose figures trail their events (page %d of %d): %w", page, len(bounds)+1, err)
		}
		out = append(out, ids...)
	}
	return out, nil
}

// pages returns the ranges of ids that bounds cut the ids after `after`
// into, each as the id it starts after and the id it ends with ("" for the
// last, which has no end).
func pages(after string, bounds []string) iter.Seq2[string, string] {
	return func(yield func(lo, hi string) bool) {
		lo := after
		for _, hi := range append(bounds[:len(bounds):len(bounds)], "") {
			if !yield(lo, hi) {
				return
			}
			lo = hi
		}
	}
}

// idsOfPage runs the query of the ids after lo (after) or, when hi is set,
// of those after lo up to hi (between); binds come before lo.
func (w *Warehouse) idsOfPage(ctx context.Context, after, between, lo, hi string, binds ...any) ([]string, error) {
	if hi == "" {
		return w.strings(ctx, after, append(binds, lo)...)
	}
	return w.strings(ctx, between, append(binds, lo, hi)...)
}

// unfoldedPage returns the dossiers after lo up to hi ("": no bound) that
// Unfolded looks for.
func (w *Warehouse) unfoldedPage(ctx context.Context, since uint32, lo, hi string) ([]string, error) {
	ids, err := w.idsOfPage(ctx, selectIngestedAfter, selectIngestedBetween, lo, hi, since)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	t, err := idTable("dossier_ids", "id", slices.Values(ids))
	if err != nil {
		return nil, err
	}
	return w.strings(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), selectUnfolded)
}

// UnfoldedPage is about how many dossiers Unfolded looks at in one page.
var UnfoldedPage uint64 = 1_000_000

// strings runs a query of one String column and returns its values.
func (w *Warehouse) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return queryStrings(ctx, w.conn, query, args...)
}

// FactsCalendar returns the fingerprint of the rules that dossier_facts
// were last folded with in whole (motcua.Catalog.RulesFingerprint), or ""
// when that was never recorded.
func (w *Warehouse) FactsCalendar(ctx context.Context) (string, error) {
	var fp string
	if err := w.conn.QueryRow(ctx, selectFactsCalendar).Scan(&fp); err != nil {
		return "", wrap(fmt.Errorf("cannot read which rules the figures follow: %w", err))
	}
	return fp, nil
}

// RefoldAll folds every dossier again with the catalogue's rules, page by
// page in order of dossier id, telling progress after each, then records
// the rules' fingerprint: what a change of working hours, holidays or
// processing times needs. Each page is recorded in refold_progress, so a
// refold cut short goes on after the last page it recorded. A page is a
// range of ids between two ids of a sample (about refoldPage dossiers),
// read from events by its primary key, so a page costs the same at
// the start and at the end of the history, and the ids are never held
// whole in memory.
func (w *Warehouse) RefoldAll(ctx context.Context, cat *motcua.Catalog, progress func(done, total int)) (int, error) {
	fp := cat.RulesFingerprint()
	var after string
	var done, total uint64
	if err := w.conn.QueryRow(ctx, selectRefoldProgress, fp).Scan(&after, &done, &total); err != nil {
		return 0, wrap(fmt.Errorf("cannot read how far a refold got: %w", err))
	}
	if after == "" {
		done = 0
		if err := w.conn.QueryRow(ctx, countDossiers).Scan(&total); err != nil {
			return 0, wrap(fmt.Errorf("cannot count the dossiers: %w", err))
		}
	}
	bounds, err := w.pageBounds(ctx, selectDossierSample, after, refoldPage)
	if err != nil {
		return int(done), err
	}
	cal := cat.Calendar()
	for lo, hi := range pages(after, bounds) {
		ids, err := w.idsOfPage(ctx, selectDossiersAfter, selectDossiersBetween, lo, hi)
		if err != nil {
			return int(done), fmt.Errorf("cannot list the dossiers after %q: %w", lo, err)
		}
		if _, err := w.RefreshDossiers(ctx, ids, cat, cal); err != nil {
			return int(done), err
		}
		done += uint64(len(ids))
		if hi != "" {
			if err := w.insertRow(ctx, insertRefoldProgress, fp, hi, done, total, uint64(time.Now().UnixNano()), time.Now()); err != nil {
				return int(done), fmt.Errorf("cannot record how far the refold got: %w", err)
			}
		}
		if progress != nil {
			progress(int(done), int(max(total, done)))
		}
	}
	if err := w.insertRow(ctx, insertRefoldProgress, fp, "", done, total, uint64(time.Now().UnixNano()), time.Now()); err != nil {
		return int(done), fmt.Errorf("cannot record the end of the refold: %w", err)
	}
	now := time.Now()
	if err := w.insertRow(ctx, insertFactsCalendar, fp, now, uint64(now.UnixNano())); err != nil {
		return int(done), fmt.Errorf("cannot record which rules the figures follow: %w", err)
	}
	return int(done), nil
}

// refoldPage is about how many dossiers a page of RefoldAll folds.
var refoldPage = 50_000

// pageBounds returns, in order, about every page-th dossier id of those
// that sample (a query of the ids whose hash is 0 modulo its first bind; arg
// is its second) takes from: the ends of pages of about page dossiers each.
func (w *Warehouse) pageBounds(ctx context.Context, sample string, arg any, page int) ([]string, error) {
	every := max(1, page/100) // a page is about 100 ids of the sample
	ids, err := w.strings(ctx, sample, every, arg)
	if err != nil {
		return nil, fmt.Errorf("cannot sample the dossier ids: %w", err)
	}
	step := max(1, page/every)
	var bounds []string
	for i := step - 1; i < len(ids); i += step {
		bounds = append(bounds, ids[i])
	}
	return bounds, nil
}
