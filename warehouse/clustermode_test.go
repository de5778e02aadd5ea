package warehouse_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/chlocal"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// openCluster opens database motcua on the cluster through one of its
// servers, migrated, with the catalogue.
func openCluster(t *testing.T, srv *chlocal.Server, cat *motcua.Catalog) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(t.Context(), warehouse.Config{Addr: srv.Addr(), Password: srv.Password(), Database: "motcua",
		Cluster: warehousetest.ClusterName})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if _, err := wh.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := wh.SaveCatalog(t.Context(), cat, "test"); err != nil {
		t.Fatal(err)
	}
	return wh
}

// serve runs motcua's server on a warehouse until the test ends; fold says
// whether it folds the figures.
func serve(t *testing.T, wh *warehouse.Warehouse, fold bool) *server.Server {
	t.Helper()
	srv := server.New(server.Config{Listen: "127.0.0.1:0", Ingest: ingest.Config{Tokens: map[string]string{"demo-token-1": "demo"}},
		Users: accesstest.Users(t), Figures: figures.Config{NoFold: !fold, Process: fmt.Sprintf("test-%t", fold)}}, wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
	return srv
}

// The demo data through motcua's ingest into a cluster of two shards, and
// into one server: every summary, list and alert count is the same. Two
// motcua processes, one in front of each shard, take the same batches at the
// same time: each event is counted once.
func TestClusterCountsAsOneServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper and a cluster of two ClickHouse servers")
	}
	shards := warehousetest.Cluster(t)
	ctx := t.Context()
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, motcua.Location)
	evs, err := demo.Generate(cat, cat.Calendar(), demo.Config{Seed: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}

	one := warehousetest.Open(t)
	oneSrv := serve(t, one, true)
	if err := demo.Load(ctx, "http://"+oneSrv.Addr(), "demo-token-1", evs, nil); err != nil {
		t.Fatal(err)
	}
	if err := oneSrv.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// Two processes, one in front of each shard; the first folds.
	a, b := openCluster(t, shards[0], cat), openCluster(t, shards[1], cat)
	srvA, srvB := serve(t, a, true), serve(t, b, false)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, srv := range []*server.Server{srvA, srvB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = demo.Load(ctx, "http://"+srv.Addr(), "demo-token-1", evs, nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, srv := range []*server.Server{srvB, srvA} { // B hands its dossiers to A, which folds them
		if err := srv.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n1, err := one.CountEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := a.CountEvents(ctx); err != nil || n != n1 || n != uint64(len(evs)) {
		t.Errorf("the cluster holds %d events (%v), one server %d; %d were sent twice", n, err, n1, len(evs))
	}
	// Copies that both processes stored at the same instant go at the next
	// merge: after one, each event is stored once.
	for _, table := range []string{"events", "event_keys"} {
		if err := a.Optimize(ctx, table); err != nil {
			t.Fatal(err)
		}
	}
	shard := connTo(t, shards[0].Addr(), shards[0].Password(), "motcua")
	if rows, keys := count(t, shard, "SELECT count() FROM events"), count(t, shard, "SELECT count() FROM event_keys"); rows != uint64(len(evs)) || keys != rows {
		t.Errorf("after a merge the cluster stores %d events and %d keys, want %d", rows, keys, len(evs))
	}

	year := func(y int) motcua.Window {
		return motcua.Window{From: time.Date(y, 1, 1, 0, 0, 0, 0, motcua.Location), To: time.Date(y+1, 1, 1, 0, 0, 0, 0, motcua.Location)}
	}
	inst := cat.InstantAt(now, cat.Calendar())
	queries := map[string]motcua.SummaryQuery{
		"2022 by unit":                 {Windows: []motcua.Window{year(2022)}, By: motcua.GroupUnit},
		"2022 by procedure":            {Windows: []motcua.Window{year(2022)}, By: motcua.GroupProcedure},
		"2025 by month, today's units": {Windows: motcua.MonthWindows(year(2025).From, year(2025).To), By: motcua.GroupUnit, Successors: cat.Successors(now)},
		"2026 by official, now":        {Windows: []motcua.Window{year(2026)}, By: motcua.GroupOfficial, Now: &inst},
	}
	for name, q := range queries {
		want, err := one.Summary(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for i, wh := range []*warehouse.Warehouse{a, b} {
			got, err := wh.Summary(ctx, q)
			if err != nil {
				t.Fatalf("%s on shard %d: %v", name, i+1, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s through shard %d:\n cluster %v\n one     %v", name, i+1, head(got), head(want))
			}
		}
	}
	for _, f := range []motcua.Figure{motcua.FigNew, motcua.FigLate, motcua.FigCarriedOver, motcua.FigOverdueNow, motcua.FigApproachingNow} {
		q := motcua.DossierQuery{Window: year(2026), Now: &inst, Figure: f, Limit: 5}
		wantRows, want, err := one.Dossiers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		gotRows, got, err := a.Dossiers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || fmt.Sprint(gotRows) != fmt.Sprint(wantRows) {
			t.Errorf("the list of %s: %d dossiers on the cluster, %d on one server", f, got, want)
		}
	}
	wantAlerts, err := one.AlertCounts(ctx, &inst)
	if err != nil {
		t.Fatal(err)
	}
	gotAlerts, err := a.AlertCounts(ctx, &inst)
	if err != nil {
		t.Fatal(err)
	}
	if len(wantAlerts) == 0 || fmt.Sprint(gotAlerts) != fmt.Sprint(wantAlerts) {
		t.Errorf("the dossiers to alert of by unit: cluster %v, one server %v", gotAlerts, wantAlerts)
	}
}

func head(cs []motcua.Counts) string {
	if len(cs) > 3 {
		return fmt.Sprintf("%+v ... (%d rows)", cs[:3], len(cs))
	}
	return fmt.Sprintf("%+v", cs)
}

// Migration 016 rebuilds events under another name and swaps the two; a
// process killed just after the swap (before the old table goes) leaves the
// migration unrecorded. On a cluster the next start runs it again whole: it
// must go through, keep every event, and keep the keys filled. The same for
// 017, cut after its last swap, that of dossier_facts_by_id (every dossier's
// facts are kept, once), then within its swap of events, between the drop
// and the making again of the Distributed table in front.
func TestClusterMigrationRunsAgainAfterACut(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper and a cluster of two ClickHouse servers")
	}
	shards := warehousetest.Cluster(t)
	ctx := t.Context()
	wh, err := warehouse.Open(ctx, warehouse.Config{Addr: shards[0].Addr(), Password: shards[0].Password(), Database: "motcua",
		Cluster: warehousetest.ClusterName})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	undo := warehouse.CutMigration(16, 0)
	if _, err := wh.Migrate(ctx); err == nil {
		t.Fatal("the migrations before 016 were not cut")
	}
	undo()
	at := time.Date(2025, 3, 3, 8, 0, 0, 0, motcua.Location)
	var evs []motcua.Event
	for i := range 300 {
		id := fmt.Sprintf("C-%03d", i)
		evs = append(evs, motcua.Event{EventID: id + "/r", DossierID: id, Type: motcua.Received, At: at, Unit: "P1",
			Procedure: "XA.001", Channel: motcua.Direct, DueAt: at.Add(72 * time.Hour), Source: "test"})
	}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	cal := motcua.NewCalendar(cat.Days)
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.DossierID
	}
	if n, err := wh.RefreshDossiers(ctx, ids, cat, cal); err != nil || n != len(ids) {
		t.Fatalf("the first refresh folded %d dossiers (%v), want %d", n, err, len(ids))
	}
	undo = warehouse.CutMigration(16, 8) // after RENAME TABLE events TO events_before_016, events_by_dossier TO events
	if _, err := wh.Migrate(ctx); err == nil {
		t.Fatal("migration 016 was not cut")
	}
	undo()
	// 016 again, then 017 cut after its last swap, that of dossier_facts_by_id.
	ms, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	cut := -1
	for _, m := range ms {
		for i, st := range m.Statements {
			if m.Version == 17 && strings.HasPrefix(st, "RENAME TABLE dossier_facts_by_id ") {
				cut = i + 1
			}
		}
	}
	if cut < 0 {
		t.Fatal("migration 017 renames no dossier_facts_by_id")
	}
	undo = warehouse.CutMigration(17, cut)
	if _, err := wh.Migrate(ctx); err == nil {
		t.Fatal("migration 017 was not cut")
	}
	undo()
	// 017 again, cut within its swap of events on the cluster: after the
	// local tables moved and the Distributed events went, before it is made
	// again. The next run reads events first.
	swap := -1
	for _, m := range ms {
		for i, st := range m.Statements {
			if m.Version == 17 && strings.HasPrefix(st, "RENAME TABLE events ") {
				swap = i
			}
		}
	}
	undo = warehouse.CutMigrationWithin(17, swap, 4) // RENAME of the locals, DROP and CREATE of events_before_017, DROP of events
	if _, err := wh.Migrate(ctx); err == nil {
		t.Fatal("migration 017 was not cut within its swap of events")
	}
	undo()
	if _, err := wh.CountEvents(ctx); err == nil {
		t.Fatal("the cut within the swap left the Distributed events: the test cuts elsewhere")
	}
	if _, err := wh.Migrate(ctx); err != nil {
		t.Fatalf("migrations 016 and 017 run again after cuts: %v", err)
	}
	if n, err := wh.CountEvents(ctx); err != nil || n != uint64(len(evs)) {
		t.Errorf("after the migrations ran again the cluster holds %d events (%v), want %d", n, err, len(evs))
	}
	// Each dossier's facts are there, once: a refresh finds nothing to
	// change, and the rows add up to one a dossier.
	if n, err := wh.RefreshDossiers(ctx, ids, cat, cal); err != nil || n != 0 {
		t.Errorf("after the migrations ran again a refresh changed %d dossiers (%v), want none", n, err)
	}
	conn := connTo(t, shards[0].Addr(), shards[0].Password(), "motcua")
	var rows int64
	if err := conn.QueryRow(ctx, "SELECT sum(sign) FROM dossier_facts_by_id").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != int64(len(ids)) {
		t.Errorf("after the migrations ran again dossier_facts_by_id holds %d rows net, want %d", rows, len(ids))
	}
	// The keys of the events stored before are there, and the view fills
	// those of new ones: a resend is all duplicates.
	more := append(evs, motcua.Event{EventID: "C-new/r", DossierID: "C-new", Type: motcua.Received, At: at, Unit: "P1",
		Procedure: "XA.001", Channel: motcua.Direct, DueAt: at.Add(72 * time.Hour), Source: "test"})
	if _, err := wh.InsertEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	stored, err := wh.InsertEvents(ctx, more)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range stored {
		if s != motcua.StoredDuplicate {
			t.Fatalf("event %s sent again: %v, want a duplicate", more[i].EventID, s)
		}
	}
}

// On a cluster as on one server, Recover leaves the rows that a merge of
// the lookup collapsed (TestRecoverLeavesWhatMergesCollapsed): the restore
// reads both tables of each shard and writes through the Distributed one.
// The collapse is a mutation here: 18.16 fails an OPTIMIZE … FINAL of a
// replicated table that some replica holds no part of ("Unknown log entry
// type: 0").
func TestClusterRecoverLeavesWhatMergesCollapsed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper and a cluster of two ClickHouse servers")
	}
	shards := warehousetest.Cluster(t)
	ctx := t.Context()
	cfg := warehouse.Config{Addr: shards[0].Addr(), Password: shards[0].Password(), Database: "motcua", Cluster: warehousetest.ClusterName}
	wh, err := warehouse.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if _, err := wh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range shards {
		if err := connTo(t, s.Addr(), s.Password(), "motcua").Exec(ctx, "SYSTEM STOP MERGES dossier_facts_local"); err != nil {
			t.Fatal(err)
		}
	}
	conn := connTo(t, shards[0].Addr(), shards[0].Password(), "motcua")
	recoverLeavesWhatMergesCollapsed(t, wh, conn, cfg, func(fold uint64) {
		if err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE motcua.dossier_facts_by_id_local ON CLUSTER %s DELETE WHERE dossier_id = 'M-1' AND (fold != %d OR sign = -1)",
			warehousetest.ClusterName, fold)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool {
			return count(t, conn, "SELECT count() FROM dossier_facts_by_id WHERE dossier_id = 'M-1'") == 1
		})
	})
}
