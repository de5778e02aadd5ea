package warehouse_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, motcua.Location)
	if err != nil {
		panic(err)
	}
	return t
}

type evb struct{ motcua.Event }

func mk(id, dossier string, typ motcua.EventType, when, unit, proc string) *evb {
	return &evb{motcua.Event{EventID: id, DossierID: dossier, Type: typ, At: local(when), Unit: unit, Procedure: proc, Source: "test"}}
}
func (e *evb) ch(c motcua.Channel) *evb        { e.Channel = c; return e }
func (e *evb) due(s string) *evb               { e.DueAt = local(s); return e }
func (e *evb) ret(c motcua.ReturnChannel) *evb { e.ReturnChannel = c; return e }

// TestSummaryEdges builds the summary of 2022 from hand-written events, one
// dossier per edge of the definitions.
func TestSummaryEdges(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	cal := motcua.NewCalendar(cat.Days)
	evs := []*evb{
		// Carried over across the year boundary, resolved early in January.
		mk("c1", "CARRY", motcua.Received, "2021-12-30 09:00", "P1", "XA.001").ch(motcua.Direct).due("2022-01-06 17:00"),
		mk("c2", "CARRY", motcua.Resolved, "2022-01-05 10:00", "P1", "XA.001"),
		// Resolved at 23:59 on its due day: on time.
		mk("d1", "DUEDAY", motcua.Received, "2022-03-01 08:00", "P1", "XA.001").ch(motcua.Online).due("2022-03-04 17:00"),
		mk("d2", "DUEDAY", motcua.Resolved, "2022-03-04 23:59", "P1", "XA.001"),
		// No due_at: computed from the procedure's days, extended by a supplement pause over a
		// weekend, so a resolution that would be late without the pause is on time or early.
		mk("s1", "PAUSE", motcua.Received, "2022-03-07 08:00", "P1", "TX.002").ch(motcua.Direct),
		mk("s2", "PAUSE", motcua.SupplementRequested, "2022-03-09 10:00", "P1", "TX.002"),
		mk("s3", "PAUSE", motcua.SupplementReceived, "2022-03-21 10:00", "P1", "TX.002"),
		mk("s4", "PAUSE", motcua.Resolved, "2022-03-24 09:00", "P1", "TX.002"),
		// Transferred to another unit: its figures stay with the receiver; resolved late.
		mk("t1", "TRANSFER", motcua.Received, "2022-04-04 08:00", "P1", "XA.001").ch(motcua.Postal).due("2022-04-06 17:00"),
		mk("t2", "TRANSFER", motcua.Transferred, "2022-04-04 15:00", "TX.TNMT", "XA.001"),
		mk("t3", "TRANSFER", motcua.Resolved, "2022-04-08 10:00", "TX.TNMT", "XA.001"),
		mk("t4", "TRANSFER", motcua.Returned, "2022-04-09 10:00", "P1", "XA.001").ret(motcua.ReturnPostal),
		// Withdrawn: closed without a result.
		mk("w1", "WITHDRAWN", motcua.Received, "2022-05-02 08:00", "P1", "XA.001").ch(motcua.Online).due("2022-05-10 17:00"),
		mk("w2", "WITHDRAWN", motcua.Withdrawn, "2022-05-03 08:00", "P1", "XA.001"),
		// Open at the end of the year and overdue.
		mk("o1", "OPEN", motcua.Received, "2022-12-20 08:00", "P1", "XA.001").ch(motcua.Online).due("2022-12-23 17:00"),
	}
	var batch []motcua.Event
	for _, e := range evs {
		batch = append(batch, e.Event)
	}
	batch = append(batch, evs[1].Event) // a duplicate event
	if _, err := wh.InsertEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}
	ids := []string{"CARRY", "DUEDAY", "PAUSE", "TRANSFER", "WITHDRAWN", "OPEN"}
	n, err := wh.RefreshDossiers(ctx, ids, cat, cal)
	if err != nil || n != 6 {
		t.Fatalf("refresh: %d changed, %v", n, err)
	}
	// Sent again: the duplicate is not stored, and a second refresh changes nothing.
	if st, _ := wh.InsertEvents(ctx, []motcua.Event{evs[3].Event}); st[0] != motcua.StoredDuplicate {
		t.Error("a resent event was not a duplicate")
	}
	if n, err := wh.RefreshDossiers(ctx, ids, cat, cal); err != nil || n != 0 {
		t.Errorf("second refresh: %d changed, %v", n, err)
	}
	year := []motcua.Window{{From: local("2022-01-01 00:00"), To: local("2023-01-01 00:00")}}
	got, err := wh.Summary(ctx, motcua.SummaryQuery{Windows: year, By: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	want := motcua.Counts{Key: "P1", Handled: 6, New: 5, CarriedOver: 1, NewOnline: 3, NewDirect: 1, NewPostal: 1,
		Resolved: 4, Early: 2, OnTime: 1, Late: 1, OpenAtEnd: 1, OverdueAtEnd: 1, ReturnedPostal: 1,
		ClosedUnresolved: 1, OverdueUnpausedAtEnd: 1}
	if len(got) != 1 || got[0] != want {
		t.Errorf("summary by unit:\n got %+v\nwant %+v", got, []motcua.Counts{want})
	}
	// The pause moved the computed due date: PAUSE was resolved early, not late.
	// (TX.002 takes its days from the catalogue; without the pause, 24/3 would be late.)
	// Monthly windows: March holds DUEDAY and PAUSE.
	months := []motcua.Window{{From: local("2022-03-01 00:00"), To: local("2022-04-01 00:00")}, {From: local("2022-04-01 00:00"), To: local("2022-05-01 00:00")}}
	got, err = wh.Summary(ctx, motcua.SummaryQuery{Windows: months, Units: []string{"P1", "P2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].New != 2 || got[0].Resolved != 2 || got[1].New != 1 || got[1].Late != 1 || got[1].CarriedOver != 0 {
		t.Errorf("monthly: %+v", got)
	}
	got, _ = wh.Summary(ctx, motcua.SummaryQuery{Windows: year, Channel: "online"})
	if len(got) != 1 || got[0].New != 3 || got[0].OnTime != 1 {
		t.Errorf("online only: %+v", got)
	}
}
