package motcua_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua"
)

func ev(typ motcua.EventType, when, unit string) motcua.Event {
	return motcua.Event{EventID: string(typ) + when, DossierID: "D", Type: typ, At: at(when), Unit: unit, Procedure: "X"}
}

func threeDays(string) (float64, bool) { return 3, true }

func TestFoldSupplementPauseAcrossWeekend(t *testing.T) {
	c := cal(t)
	d := motcua.Fold([]motcua.Event{
		ev(motcua.SupplementReceived, "2022-03-14 10:00", "P1"), // out of order on purpose
		ev(motcua.Received, "2022-03-07 08:00", "P1"),
		ev(motcua.SupplementRequested, "2022-03-09 10:00", "P1"),
	}, c, threeDays)
	if d.Paused != 24*time.Hour {
		t.Errorf("paused %v, want 24h (Wed 10:00 to Mon 10:00 in working time)", d.Paused)
	}
	if want := at("2022-03-15 08:00"); !d.DueAt.Equal(want) || !d.DueComputed {
		t.Errorf("due %v, want %v computed", d.DueAt, want)
	}
	// While the request is open the clock stands still: not overdue.
	waiting := motcua.Fold([]motcua.Event{ev(motcua.Received, "2022-03-07 08:00", "P1"), ev(motcua.SupplementRequested, "2022-03-09 10:00", "P1")}, c, threeDays)
	if s := waiting.StateAt(at("2022-03-25 09:00"), c, 0); s != motcua.StateOpen && s != motcua.StateApproaching {
		t.Errorf("state while waiting for a supplement: %s", s)
	}
}

func TestFoldDueAndUnits(t *testing.T) {
	c := cal(t)
	r := ev(motcua.Received, "2022-03-01 08:00", "TX.MC")
	r.Channel, r.DueAt = motcua.Online, at("2022-03-10 17:00")
	tr := ev(motcua.Transferred, "2022-03-02 08:00", "TX.TNMT")
	s2 := ev(motcua.SupplementReceived, "2022-03-05 08:00", "TX.TNMT")
	s2.DueAt = at("2022-03-15 17:00")
	res := ev(motcua.Resolved, "2022-03-15 23:59", "TX.TNMT")
	d := motcua.Fold([]motcua.Event{r, tr, s2, res}, c, threeDays)
	if d.Unit != "TX.MC" || d.HandlingUnit != "TX.TNMT" || d.Channel != motcua.Online {
		t.Errorf("units %q/%q channel %q", d.Unit, d.HandlingUnit, d.Channel)
	}
	if !d.DueAt.Equal(at("2022-03-15 17:00")) || d.DueComputed {
		t.Errorf("due %v: the latest event's due_at wins", d.DueAt)
	}
	if d.Outcome() != motcua.OnTime {
		t.Errorf("resolved at 23:59 on the due day: %s, want on_time", d.Outcome())
	}
}

func TestStateAt(t *testing.T) {
	c := cal(t)
	r := ev(motcua.Received, "2022-03-01 08:00", "P1")
	r.DueAt = at("2022-03-04 17:00") // a Friday
	d := motcua.Fold([]motcua.Event{r, ev(motcua.Withdrawn, "2022-03-20 08:00", "P1")}, c, nil)
	for _, tc := range []struct {
		when string
		want motcua.State
	}{
		{"2022-02-28 08:00", motcua.StateNone},
		{"2022-03-02 08:00", motcua.StateOpen},
		{"2022-03-03 17:00", motcua.StateApproaching}, // one working day left
		{"2022-03-04 20:00", motcua.StateApproaching}, // the due day has not ended
		{"2022-03-05 00:00", motcua.StateOverdue},
		{"2022-03-20 08:00", motcua.StateWithdrawn},
	} {
		if got := d.StateAt(at(tc.when), c, 0); got != tc.want {
			t.Errorf("at %s: %s, want %s", tc.when, got, tc.want)
		}
	}
}
