package warehouse_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestDossierListsMatchTheirFigures makes dossiers of every kind at random
// and checks, for every figure, several windows and filters, that the list
// behind a figure holds as many dossiers as the summary counts, each once;
// and that the figures at an instant agree with the domain's StateAt.
func TestDossierListsMatchTheirFigures(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	cal := cat.Calendar()
	rng := rand.New(rand.NewPCG(7, 8))
	units := []string{"P1", "P2", "TX.MC", "TX.TNMT", "LT"}
	procs := []string{"XA.001", "TX.002", "TX.001"}
	channels := []motcua.Channel{motcua.Online, motcua.Direct, motcua.Postal}
	start := local("2022-11-01 07:00")
	var evs []motcua.Event
	var ids []string
	for i := range 400 {
		id := fmt.Sprintf("D%03d", i)
		ids = append(ids, id)
		unit, proc := units[rng.IntN(len(units))], procs[rng.IntN(len(procs))]
		at := start.Add(time.Duration(rng.IntN(90*24)) * time.Hour)
		e := motcua.Event{EventID: id + "-r", DossierID: id, Type: motcua.Received, At: at, Unit: unit, Procedure: proc,
			Source: "test", Channel: channels[rng.IntN(3)], Official: ""}
		if rng.IntN(4) != 0 { // most carry a due date; the rest take the procedure's days
			e.DueAt = at.Add(time.Duration(24+rng.IntN(24*12)) * time.Hour)
		}
		evs = append(evs, e)
		next := at.Add(time.Duration(1+rng.IntN(24*20)) * time.Hour)
		if rng.IntN(6) == 0 {
			evs = append(evs, motcua.Event{EventID: id + "-t", DossierID: id, Type: motcua.Transferred, At: next.Add(-time.Hour),
				Unit: units[rng.IntN(len(units))], Procedure: proc, Source: "test"})
		}
		switch rng.IntN(6) {
		case 0, 1, 2:
			evs = append(evs, motcua.Event{EventID: id + "-d", DossierID: id, Type: motcua.Resolved, At: next, Unit: unit, Procedure: proc, Source: "test"})
			if rng.IntN(2) == 0 {
				evs = append(evs, motcua.Event{EventID: id + "-x", DossierID: id, Type: motcua.Returned, At: next.Add(time.Hour), Unit: unit,
					Procedure: proc, Source: "test", ReturnChannel: motcua.ReturnPostal})
			}
		case 3:
			evs = append(evs, motcua.Event{EventID: id + "-w", DossierID: id, Type: motcua.Withdrawn, At: next, Unit: unit, Procedure: proc, Source: "test"})
		}
	}
	// Dossiers due at the edges of the instant: the last second of the day
	// before (overdue), midnight (approaching), the last approaching second
	// and the one after it.
	now := cat.InstantAt(local("2023-01-10 16:30"), cal)
	for i, due := range []time.Time{local("2023-01-10 00:00").Add(-time.Second), local("2023-01-10 00:00"), now.Default, now.Default.Add(time.Second)} {
		id := fmt.Sprintf("EDGE%d", i)
		ids = append(ids, id)
		evs = append(evs, motcua.Event{EventID: id + "-r", DossierID: id, Type: motcua.Received, At: local("2023-01-03 08:00"),
			Unit: "P2", Procedure: "XA.001", Source: "test", Channel: motcua.Online, DueAt: due})
	}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, ids, cat, cal); err != nil {
		t.Fatal(err)
	}
	// A second fold with a later event for some, so that cancelled rows are in the table too.
	var more []motcua.Event
	for i := 0; i < 400; i += 7 {
		id := fmt.Sprintf("D%03d", i)
		more = append(more, motcua.Event{EventID: id + "-late", DossierID: id, Type: motcua.Rejected, At: local("2023-01-20 10:00"),
			Unit: "P1", Procedure: "XA.001", Source: "test"})
	}
	if _, err := wh.InsertEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, ids, cat, cal); err != nil {
		t.Fatal(err)
	}

	windows := []motcua.Window{
		{From: local("2022-12-01 00:00"), To: local("2023-01-01 00:00")},
		{From: local("2022-01-01 00:00"), To: local("2023-01-01 00:00")},
		{From: local("2023-01-01 00:00"), To: local("2023-01-15 00:00")},
	}
	type filter struct {
		units              []string
		channel, procedure string
	}
	filters := []filter{{}, {units: []string{"P1", "LT"}}, {channel: "online"}, {procedure: "TX.002"}}
	checked := 0
	for _, w := range windows {
		for _, f := range filters {
			sum, err := wh.Summary(ctx, motcua.SummaryQuery{Windows: []motcua.Window{w}, Units: f.units, Channel: f.channel,
				Procedure: f.procedure, Now: &now})
			if err != nil {
				t.Fatal(err)
			}
			var c motcua.Counts
			for _, r := range sum {
				c.Add(r)
			}
			c.Handled = c.New + c.CarriedOver
			for _, fig := range motcua.Figures {
				q := motcua.DossierQuery{Window: w, Now: &now, Units: f.units, Channel: f.channel, Procedure: f.procedure,
					Figure: fig, Limit: warehouse.MaxDossierPage}
				rows, total, err := wh.Dossiers(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", fig, err)
				}
				seen := map[string]bool{}
				for _, r := range rows {
					if seen[r.ID] {
						t.Errorf("%s %v %+v: %s listed twice", fig, w, f, r.ID)
					}
					seen[r.ID] = true
				}
				if want := c.Of(fig); total != want || uint64(len(rows)) != want {
					t.Errorf("%s over %v with %+v: the summary counts %d, the list has %d rows of a total %d", fig, w, f, want, len(rows), total)
				}
				if c.Of(fig) > 0 {
					checked++
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d non-zero figures were compared: the data set is too thin", checked)
	}

	// The figures at an instant, against StateAt on each folded dossier.
	want := map[motcua.State]uint64{}
	for _, id := range ids {
		stored, err := wh.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		d := motcua.Fold(stored, cal, func(code string) (float64, bool) {
			p, ok := cat.Procedure(code)
			return p.ProcessingDays(), ok
		})
		u, _ := cat.Unit(d.HandlingUnit)
		want[d.StateAt(now.At, cal, time.Duration(u.AlertWindowHours*float64(time.Hour)))]++
	}
	sum, err := wh.Summary(ctx, motcua.SummaryQuery{Windows: windows[:1], Now: &now})
	if err != nil {
		t.Fatal(err)
	}
	got := sum[0]
	if got.OverdueNow != want[motcua.StateOverdue] || got.ApproachingNow != want[motcua.StateApproaching] ||
		got.OpenNow != want[motcua.StateOpen]+want[motcua.StateOverdue]+want[motcua.StateApproaching] {
		t.Errorf("at %v: open %d, overdue %d, approaching %d; StateAt says %v", now.At, got.OpenNow, got.OverdueNow, got.ApproachingNow, want)
	}
	if want[motcua.StateOverdue] == 0 || want[motcua.StateApproaching] == 0 {
		t.Errorf("the data set has no overdue or no approaching dossier at %v: %v", now.At, want)
	}
}
