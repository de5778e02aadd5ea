package warehouse_test

import (
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestCountingUnderSuccessors: dossiers received by Phường 1, xã Long Toàn
// and xã Dân Thành before the 2025 reform (some open across it) and by
// phường Duyên Hải after. Counted under today's units, phường Duyên Hải's
// figures for 2025 are the sum of its three predecessors' and its own, for
// every figure, and its lists hold as many; as received, each unit keeps
// its own.
func TestCountingUnderSuccessors(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	b := []*evb{
		mk("a1", "A", motcua.Received, "2025-03-03 08:00", "P1", "XA.001").ch(motcua.Direct).due("2025-03-07 17:00"),
		mk("a2", "A", motcua.Resolved, "2025-03-05 10:00", "P1", "XA.001"),
		mk("b1", "B", motcua.Received, "2025-06-20 08:00", "P1", "XA.001").ch(motcua.Online).due("2025-07-02 17:00"),
		mk("b2", "B", motcua.Resolved, "2025-07-08 10:00", "P1", "XA.001"),
		mk("c1", "C", motcua.Received, "2025-05-05 08:00", "LT", "XA.001").ch(motcua.Direct).due("2025-05-20 17:00"),
		mk("d1", "D", motcua.Received, "2025-06-30 08:00", "DT", "XA.001").ch(motcua.Online).due("2025-07-10 17:00"),
		mk("d2", "D", motcua.Withdrawn, "2025-07-02 08:00", "DT", "XA.001"),
		mk("e1", "E", motcua.Received, "2025-07-10 08:00", "PDH.TT", "XA.001").ch(motcua.Online).due("2025-07-15 17:00"),
		mk("e2", "E", motcua.Resolved, "2025-07-15 16:00", "PDH.TT", "XA.001"),
		mk("f1", "F", motcua.Received, "2025-12-20 08:00", "PDH.TT", "XA.001").ch(motcua.Postal).due("2026-01-05 17:00"),
		mk("g1", "G", motcua.Received, "2025-04-01 08:00", "P2", "XA.001").ch(motcua.Direct).due("2025-04-10 17:00"),
		mk("h1", "H", motcua.Received, "2024-12-20 08:00", "LT", "XA.001").ch(motcua.Direct).due("2025-01-10 17:00"),
		mk("h2", "H", motcua.Resolved, "2025-01-09 08:00", "LT", "XA.001"),
	}
	var evs []motcua.Event
	for _, e := range b {
		evs = append(evs, e.Event)
	}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{"A", "B", "C", "D", "E", "F", "G", "H"}, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	today := local("2026-11-27 10:00")
	succ := cat.Successors(today)
	if succ["P1"] != "PDH" || succ["LT"] != "PDH" || succ["P2"] != "PTLH" {
		t.Fatalf("successors: %v", succ)
	}
	now := cat.InstantAt(today, cat.Calendar())
	year := motcua.Window{From: local("2025-01-01 00:00"), To: local("2026-01-01 00:00")}
	sum := func(units []string, s map[string]string) motcua.Counts {
		rows, err := wh.Summary(ctx, motcua.SummaryQuery{Windows: []motcua.Window{year}, Units: units, Successors: s, Now: &now})
		if err != nil {
			t.Fatal(err)
		}
		var c motcua.Counts
		for _, r := range rows {
			c.Add(r)
		}
		c.Key = ""
		return c
	}
	pdh := cat.Subtree("PDH")
	current := sum(pdh, succ)
	predecessors := sum([]string{"P1", "LT", "DT", "PDH", "PDH.TT"}, nil)
	if current != predecessors {
		t.Errorf("phường Duyên Hải under today's units:\n got %+v\nwant %+v (its predecessors' and its own)", current, predecessors)
	}
	if current.Handled != 7 || current.CarriedOver != 1 || current.Resolved != 4 || current.ClosedUnresolved != 1 || current.OpenAtEnd != 2 {
		t.Errorf("the hand-worked figures: %+v", current)
	}
	if own := sum(pdh, nil); own.Handled != 2 {
		t.Errorf("phường Duyên Hải as received: %+v", own)
	}
	if p1 := sum([]string{"P1"}, nil); p1.Handled != 2 {
		t.Errorf("Phường 1 as received: %+v", p1)
	}
	// Grouped by unit under today's units, the old units are gone.
	rows, err := wh.Summary(ctx, motcua.SummaryQuery{Windows: []motcua.Window{year}, By: "unit", Successors: succ})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if _, merged := succ[r.Key]; merged {
			t.Errorf("a merged unit %s has a row under today's units", r.Key)
		}
	}
	// The lists agree with both.
	for _, s := range []map[string]string{nil, succ} {
		c := sum(pdh, s)
		for _, fig := range motcua.Figures {
			_, n, err := wh.Dossiers(ctx, motcua.DossierQuery{Window: year, Now: &now, Units: pdh, Successors: s, Figure: fig, Limit: warehouse.MaxDossierPage})
			if err != nil {
				t.Fatal(err)
			}
			if n != c.Of(fig) {
				t.Errorf("%s (successors %v): the list has %d, the summary %d", fig, s != nil, n, c.Of(fig))
			}
		}
	}
}
