package warehouse_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// yearsOfDossiers stores n dossiers received from 2021 to 2026, each with a
// due date; most resolved (some late, some returned by post after their
// month ended), some withdrawn, some still open, and folds them.
func yearsOfDossiers(t *testing.T, wh *warehouse.Warehouse, cat *motcua.Catalog, n int) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	units := []string{"P1", "P2", "LH", "TX.MC", "PDH"}
	start := time.Date(2021, 1, 4, 8, 0, 0, 0, motcua.Location)
	var evs []motcua.Event
	var ids []string
	for i := range n {
		id := fmt.Sprintf("Y-%04d", i)
		ids = append(ids, id)
		at := start.Add(time.Duration(r.Int64N(int64(6 * 365 * 24 * time.Hour))))
		u := units[r.IntN(len(units))]
		evs = append(evs, motcua.Event{EventID: id + "/r", DossierID: id, Type: motcua.Received, At: at, Unit: u, Procedure: "XA.001",
			Official: "CB.1", Channel: motcua.Online, DueAt: at.Add(time.Duration(2+r.IntN(6)) * 24 * time.Hour), Source: "test"})
		switch k := r.IntN(10); {
		case k < 6:
			res := at.Add(time.Duration(1+r.IntN(8)) * 24 * time.Hour)
			evs = append(evs, motcua.Event{EventID: id + "/s", DossierID: id, Type: motcua.Resolved, At: res, Unit: u, Source: "test"})
			if k < 2 {
				evs = append(evs, motcua.Event{EventID: id + "/t", DossierID: id, Type: motcua.Returned, At: res.Add(40 * 24 * time.Hour),
					Unit: u, ReturnChannel: motcua.ReturnPostal, Source: "test"})
			}
		case k < 8:
			evs = append(evs, motcua.Event{EventID: id + "/w", DossierID: id, Type: motcua.Withdrawn, At: at.Add(24 * time.Hour), Unit: u, Source: "test"})
		}
	}
	if _, err := wh.InsertEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	// Two writes of facts, as two rounds of the refresher.
	for _, half := range [][]string{ids[:n/2], ids[n/2:]} {
		if _, err := wh.RefreshDossiers(t.Context(), half, cat, cat.Calendar()); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// everyPeriod sums the summary of each month and each year from 2021 to
// 2026, by unit, with the instant's figures at the end of 2026.
func everyPeriod(t *testing.T, wh *warehouse.Warehouse, cat *motcua.Catalog) []motcua.Counts {
	t.Helper()
	var wins []motcua.Window
	for y := 2021; y <= 2026; y++ {
		wins = append(wins, motcua.Window{From: time.Date(y, 1, 1, 0, 0, 0, 0, motcua.Location), To: time.Date(y+1, 1, 1, 0, 0, 0, 0, motcua.Location)})
		wins = append(wins, motcua.MonthWindows(time.Date(y, 1, 1, 0, 0, 0, 0, motcua.Location), time.Date(y+1, 1, 1, 0, 0, 0, 0, motcua.Location))...)
	}
	inst := cat.InstantAt(time.Date(2026, 12, 31, 10, 0, 0, 0, motcua.Location), cat.Calendar())
	out, err := wh.Summary(t.Context(), motcua.SummaryQuery{Windows: wins, By: "unit", Now: &inst})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func rawConn(t *testing.T, wh *warehouse.Warehouse) driver.Conn {
	t.Helper()
	return connTo(t, warehousetest.Addr(t), warehousetest.Password(t), wh.Database())
}

// connTo opens a connection of the test's own to a server, closed when the
// test ends.
func connTo(t *testing.T, addr, password, database string) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr},
		Auth: clickhouse.Auth{Database: database, Username: "default", Password: password}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func count(t *testing.T, conn driver.Conn, q string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// The summary skips the dossiers settled before its period (dossier_facts
// is ordered by settled): the counts of every month and year of six years
// equal those of the raw events, which know no such thing.
func TestSummarySkipsOnlyWhatIsOver(t *testing.T) {
	wh := warehousetest.Open(t)
	cat, _ := catalog.Load(catalog.DuyenHai())
	yearsOfDossiers(t, wh, cat, 3000)
	var wins []motcua.Window
	for y := 2021; y <= 2026; y++ {
		wins = append(wins, motcua.MonthWindows(time.Date(y, 1, 1, 0, 0, 0, 0, motcua.Location), time.Date(y+1, 1, 1, 0, 0, 0, 0, motcua.Location))...)
		wins = append(wins, motcua.Window{From: time.Date(y, 1, 1, 0, 0, 0, 0, motcua.Location), To: time.Date(y+1, 1, 1, 0, 0, 0, 0, motcua.Location)})
	}
	for _, w := range wins {
		q := motcua.SummaryQuery{Windows: []motcua.Window{w}, By: "unit"}
		got, err := wh.Summary(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := wh.SummaryFromEvents(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s to %s:\n facts %+v\n raw   %+v", w.From.Format(time.DateOnly), w.To.Format(time.DateOnly), got, want)
		}
	}
	// The pruning is real: a month of 2026 reads fewer rows than the table holds.
	conn := rawConn(t, wh)
	all := count(t, conn, "SELECT count() FROM dossier_facts")
	recent := count(t, conn, "SELECT count() FROM dossier_facts WHERE settled = 0 OR settled >= 202611")
	if recent*4 > all {
		t.Errorf("%d of %d rows are open or settled since November 2026: the test's history does not show the skip", recent, all)
	}
}

// Migration 009 run again over folded dossiers (a migration cut short
// starts over), and those after it, keeps every figure and the settled
// month of every dossier (the one it computes in SQL is the one the
// refresher computes), and leaves each event once in events and each
// dossier's facts in the lookup.
func TestMigration009AgainKeepsTheFacts(t *testing.T) {
	wh := warehousetest.Open(t)
	cat, _ := catalog.Load(catalog.DuyenHai())
	ids := yearsOfDossiers(t, wh, cat, 800)
	before := everyPeriod(t, wh, cat)
	ms, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, wh)
	for _, m := range ms {
		if m.Version < 9 {
			continue
		}
		for _, st := range m.Statements {
			st, err := wh.AsMigrated(t.Context(), st)
			if err != nil {
				t.Fatal(err)
			}
			if err := conn.Exec(t.Context(), st); err != nil && !strings.Contains(err.Error(), "already exists") {
				t.Fatalf("%s: %v", st, err)
			}
		}
	}
	if after := everyPeriod(t, wh, cat); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the figures changed with the migration:\n before %+v\n after  %+v", before, after)
	}
	settled := func() string {
		rows, err := conn.Query(t.Context(), "SELECT dossier_id, settled FROM dossier_facts GROUP BY dossier_id, settled HAVING sum(sign) > 0 ORDER BY dossier_id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id string
			var m uint32
			if err := rows.Scan(&id, &m); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s=%d ", id, m)
		}
		return b.String()
	}
	bySQL := settled()
	// Folded again (the copied rows know no count of events): the same months.
	if _, err := wh.RefreshDossiers(t.Context(), ids, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	if byGo := settled(); byGo != bySQL {
		t.Errorf("the settled months of the migration differ from the refresher's")
	}
	if n, err := wh.RefreshDossiers(t.Context(), ids, cat, cat.Calendar()); err != nil || n != 0 {
		t.Errorf("a second refresh changed %d dossiers (%v), want 0", n, err)
	}
	if e, d := count(t, conn, "SELECT count() FROM events"), count(t, conn, "SELECT uniqExact(source, event_id) FROM events"); e != d {
		t.Errorf("%d rows in events, %d distinct events", e, d)
	}
	if n := count(t, conn, "SELECT count() FROM (SELECT dossier_id FROM dossier_facts_by_id GROUP BY dossier_id HAVING sum(sign) = 1)"); n != uint64(len(ids)) {
		t.Errorf("%d dossiers have one live row in the lookup, want %d", n, len(ids))
	}
}

// The catch-up finds the dossiers whose stored events outnumber those
// their figures were folded from, and none that are folded.
func TestUnfoldedFindsOnlyWhatTrails(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	ids := yearsOfDossiers(t, wh, cat, 200)
	since := time.Now().Add(-time.Hour)
	if got, err := wh.Unfolded(ctx, since); err != nil || len(got) != 0 {
		t.Fatalf("right after a fold of every dossier the catch-up finds %d (%v), want none", len(got), err)
	}
	evs := []motcua.Event{{EventID: ids[7] + "/late", DossierID: ids[7], Type: motcua.Returned, At: time.Date(2026, 12, 30, 9, 0, 0, 0, motcua.Location),
		Unit: "P1", ReturnChannel: motcua.ReturnCounter, Source: "test"},
		{EventID: "NEW/r", DossierID: "NEW", Type: motcua.Received, At: time.Date(2026, 12, 30, 9, 0, 0, 0, motcua.Location), Unit: "P1",
			Procedure: "XA.001", Channel: motcua.Online, Source: "test"}}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	got, err := wh.Unfolded(ctx, since)
	slices.Sort(got)
	if err != nil || fmt.Sprint(got) != fmt.Sprint([]string{"NEW", ids[7]}) {
		t.Errorf("after two events the catch-up finds %v (%v), want NEW and %s", got, err, ids[7])
	}
	// In pages of a few dossiers (an import of years), it finds the same,
	// whether a trailing dossier ends a page (pages of 3 and 9: it is the
	// ninth id) or not.
	defer func(page uint64) { warehouse.UnfoldedPage = page }(warehouse.UnfoldedPage)
	for _, page := range []uint64{3, 7, 9} {
		warehouse.UnfoldedPage = page
		paged, err := wh.Unfolded(ctx, time.Unix(0, 0))
		slices.Sort(paged)
		if err != nil || fmt.Sprint(paged) != fmt.Sprint(got) {
			t.Errorf("in pages of %d dossiers of %d, the catch-up finds %v (%v), want %v", page, len(ids)+1, paged, err, got)
		}
	}
}

// A write of facts that reached dossier_facts and not its lookup (a process
// or ClickHouse gone between the two) is restored by the next process's
// Recover; without that, the next fold of its dossiers would not cancel
// their rows and count them twice.
func TestRecoverRestoresTheFactsLookup(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	ids := yearsOfDossiers(t, wh, cat, 400)
	before := everyPeriod(t, wh, cat)
	conn := rawConn(t, wh)
	lookup := count(t, conn, "SELECT count() FROM dossier_facts_by_id")
	var fold uint64
	if err := conn.QueryRow(ctx, "SELECT any(fold) FROM dossier_facts_by_id WHERE dossier_id = 'Y-0000'").Scan(&fold); err != nil {
		t.Fatal(err)
	}
	lost := fmt.Sprintf("SELECT count() FROM dossier_facts_by_id WHERE fold = %d", fold)
	if n := count(t, conn, lost); n == 0 || n == lookup {
		t.Fatalf("the first write holds %d of the %d rows of the lookup: the test needs two writes", n, lookup)
	}
	if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE dossier_facts_by_id DELETE WHERE fold = %d", fold)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return count(t, conn, lost) == 0 })

	w2, err := warehouse.Open(ctx, warehousetest.Config(t, wh.Database()))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, "SELECT count() FROM dossier_facts_by_id"); n != lookup {
		t.Errorf("after Recover the lookup holds %d rows, want %d", n, lookup)
	}
	// Every dossier changes (a new event each) and is folded again: each counts once.
	var evs []motcua.Event
	for _, id := range ids {
		evs = append(evs, motcua.Event{EventID: id + "/z", DossierID: id, Type: motcua.Returned, At: time.Date(2026, 12, 30, 9, 0, 0, 0, motcua.Location),
			Unit: "P1", ReturnChannel: motcua.ReturnCounter, Source: "test"})
	}
	if _, err := w2.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := w2.RefreshDossiers(ctx, ids, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	after := everyPeriod(t, w2, cat)
	var b, a motcua.Counts
	for _, c := range before {
		b.Add(c)
	}
	for _, c := range after {
		a.Add(c)
	}
	if a.New != b.New || a.Resolved != b.Resolved || a.OpenNow != b.OpenNow {
		t.Errorf("after the restore and a fold of every dossier: new %d, resolved %d, open %d; want %d, %d, %d",
			a.New, a.Resolved, a.OpenNow, b.New, b.Resolved, b.OpenNow)
	}
	if n := count(t, conn, "SELECT count() FROM (SELECT dossier_id FROM dossier_facts GROUP BY dossier_id HAVING sum(sign) != 1)"); n != 0 {
		t.Errorf("%d dossiers do not have exactly one live row of facts", n)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatal("gave up waiting for a mutation of ClickHouse")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// withHoliday is the catalogue with one more holiday: other rules.
func withHoliday(cat *motcua.Catalog, day time.Time) *motcua.Catalog {
	c := *cat
	c.Days = append(slices.Clone(cat.Days), motcua.CalendarDay{Date: day, Kind: motcua.Holiday, Name: "Nghỉ bù"})
	return &c
}

// A refold cut short goes on from the last page it recorded: the pages of
// the two runs are the pages of a whole refold, and afterwards every
// dossier follows the new rules. A refold under rules met before starts
// from the first dossier again.
func TestRefoldGoesOnWhereItStopped(t *testing.T) {
	defer warehouse.SetRefoldPage(300)()
	wh := warehousetest.Open(t)
	cat, _ := catalog.Load(catalog.DuyenHai())
	ids := yearsOfDossiers(t, wh, cat, 2000)
	pages := func(c *motcua.Catalog, stopAfter int) (int, int, error) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		n, first := 0, -1
		_, err := wh.RefoldAll(ctx, c, func(done, total int) {
			n++
			if first < 0 {
				first = done
			}
			if n == stopAfter {
				cancel()
			}
		})
		return n, first, err
	}
	// A whole refold under other rules, for the count of pages.
	whole, _, err := pages(withHoliday(cat, time.Date(2024, 5, 2, 0, 0, 0, 0, motcua.Location)), 0)
	if err != nil || whole < 4 {
		t.Fatalf("a whole refold took %d pages (%v): the test needs several", whole, err)
	}
	// Under still other rules: cut after two pages, then run again.
	other := withHoliday(cat, time.Date(2023, 3, 6, 0, 0, 0, 0, motcua.Location))
	cut, _, err := pages(other, 2)
	if err == nil || cut != 2 {
		t.Fatalf("the cut refold ran %d pages and returned %v, want 2 and the cancellation", cut, err)
	}
	rest, first, err := pages(other, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cut+rest != whole || first <= 300 {
		t.Errorf("the refold went on with %d pages (the first at %d dossiers) after %d; a whole one takes %d", rest, first, cut, whole)
	}
	if n, err := wh.RefreshDossiers(t.Context(), ids, other, other.Calendar()); err != nil || n != 0 {
		t.Errorf("after the refold, folding every dossier under its rules changed %d (%v), want 0", n, err)
	}
	if fp, err := wh.FactsCalendar(t.Context()); err != nil || fp != other.RulesFingerprint() {
		t.Errorf("the figures follow %q (%v), want %q", fp, err, other.RulesFingerprint())
	}
	// The same rules again, later: from the first dossier.
	again, first, err := pages(other, 0)
	if err != nil || again != whole || first > 400 {
		t.Errorf("a new refold under rules met before ran %d pages from %d dossiers (%v), want %d from the first", again, first, err, whole)
	}
}

// A round of the refresher reads the events of its dossiers and the facts
// it cancels at the same time: when either read fails, the round fails whole
// and writes nothing, and the next round folds the same dossiers.
func TestRefreshWritesNothingWhenAReadFails(t *testing.T) {
	wh := warehousetest.Open(t)
	cat, _ := catalog.Load(catalog.DuyenHai())
	ids := yearsOfDossiers(t, wh, cat, 200)
	var evs []motcua.Event
	for _, id := range ids { // a new event: every dossier's figures change
		evs = append(evs, motcua.Event{EventID: id + "/x", DossierID: id, Type: motcua.Transferred,
			At: time.Date(2027, 6, 1, 8, 0, 0, 0, motcua.Location), Unit: "P1", Source: "test"})
	}
	if _, err := wh.InsertEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, wh)
	exec := func(st string) {
		t.Helper()
		if err := conn.Exec(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	// Without its view, dossier_facts takes writes while its lookup is away:
	// a round that wrote after a failed read would show.
	exec("DROP TABLE dossier_facts_by_id_mv")
	before := count(t, conn, "SELECT count() FROM dossier_facts")
	for _, table := range []string{"dossier_facts_by_id", "events"} {
		exec("RENAME TABLE " + table + " TO " + table + "_away")
		_, err := wh.RefreshDossiers(t.Context(), ids, cat, cat.Calendar())
		exec("RENAME TABLE " + table + "_away TO " + table)
		if err == nil {
			t.Errorf("without %s the refresh gave no error", table)
		}
		if n := count(t, conn, "SELECT count() FROM dossier_facts"); n != before {
			t.Errorf("a refresh that could not read %s wrote %d rows of facts", table, int(n)-int(before))
		}
	}
	exec("CREATE MATERIALIZED VIEW dossier_facts_by_id_mv TO dossier_facts_by_id AS SELECT * FROM dossier_facts")
	if n, err := wh.RefreshDossiers(t.Context(), ids, cat, cat.Calendar()); err != nil || n != len(ids) {
		t.Errorf("the next refresh changed %d dossiers (%v), want %d", n, err, len(ids))
	}
}

// A dossier folded twice within the hour before a restart: the second write
// cancels the first's row, and a merge of the lookup drops both rows, so
// the first write's fold is in dossier_facts and no longer in its lookup,
// as if the copy of that write had failed. Recover must not copy it again:
// the dossier would have two live rows there, and its next fold would
// cancel both and count one dossier less.
func TestRecoverLeavesWhatMergesCollapsed(t *testing.T) {
	wh := warehousetest.Open(t)
	conn := rawConn(t, wh)
	// Only the lookup merges, as when its merge comes first.
	if err := conn.Exec(t.Context(), "SYSTEM STOP MERGES dossier_facts"); err != nil {
		t.Fatal(err)
	}
	recoverLeavesWhatMergesCollapsed(t, wh, conn, warehousetest.Config(t, wh.Database()), func(uint64) {
		if err := wh.Optimize(t.Context(), "dossier_facts_by_id"); err != nil {
			t.Fatal(err)
		}
	})
}

// recoverLeavesWhatMergesCollapsed folds a dossier three times with the
// merges of dossier_facts stopped, collapses the lookup's rows of the
// dossier but those of the last write (fold), recovers in a new process
// (cfg) and checks what conn, to the warehouse's server, reads.
func recoverLeavesWhatMergesCollapsed(t *testing.T, wh *warehouse.Warehouse, conn driver.Conn, cfg warehouse.Config, collapse func(fold uint64)) {
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, motcua.Location)
	ids := []string{"M-1"}
	for _, e := range []motcua.Event{
		{EventID: "M-1/r", DossierID: "M-1", Type: motcua.Received, At: at, Unit: "P1", Procedure: "XA.001", Channel: motcua.Direct,
			DueAt: at.Add(72 * time.Hour), Source: "test"},
		{EventID: "M-1/s", DossierID: "M-1", Type: motcua.Resolved, At: at.Add(24 * time.Hour), Unit: "P1", Source: "test"},
		{EventID: "M-1/t", DossierID: "M-1", Type: motcua.Returned, At: at.Add(48 * time.Hour), Unit: "P1",
			ReturnChannel: motcua.ReturnCounter, Source: "test"},
	} {
		if _, err := wh.InsertEvents(ctx, []motcua.Event{e}); err != nil {
			t.Fatal(err)
		}
		if n, err := wh.RefreshDossiers(ctx, ids, cat, cat.Calendar()); err != nil || n != 1 {
			t.Fatalf("a fold after %s changed %d dossiers (%v), want 1", e.EventID, n, err)
		}
	}
	var last uint64
	if err := conn.QueryRow(ctx, "SELECT fold FROM dossier_facts WHERE dossier_id = 'M-1' AND sign = 1 AND events = 3").Scan(&last); err != nil {
		t.Fatal(err)
	}
	collapse(last)
	folds := "SELECT uniqExact(fold) FROM %s WHERE dossier_id = 'M-1'"
	if a, b := count(t, conn, fmt.Sprintf(folds, "dossier_facts")), count(t, conn, fmt.Sprintf(folds, "dossier_facts_by_id")); a != 3 || b != 1 {
		t.Fatalf("the writes of M-1: %d folds in dossier_facts and %d in its lookup, want 3 and 1", a, b)
	}
	w2, err := warehouse.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	live := "SELECT toUInt64(sum(sign)) FROM %s WHERE dossier_id = 'M-1'"
	if n := count(t, conn, fmt.Sprintf(live, "dossier_facts_by_id")); n != 1 {
		t.Errorf("after Recover the lookup holds %d live rows of M-1, want 1", n)
	}
	if _, err := w2.InsertEvents(ctx, []motcua.Event{{EventID: "M-1/u", DossierID: "M-1", Type: motcua.Returned, At: at.Add(50 * time.Hour),
		Unit: "P1", ReturnChannel: motcua.ReturnPostal, Source: "test"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w2.RefreshDossiers(ctx, ids, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, fmt.Sprintf(live, "dossier_facts")); n != 1 {
		t.Errorf("after Recover and a fold, dossier_facts holds %d live rows of M-1, want 1", n)
	}
}
