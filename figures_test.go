package motcua

import (
	"errors"
	"testing"
	"time"
)

func TestShareRoundsHalfUp(t *testing.T) {
	f := func(num, den uint64, digits int, want float64) {
		t.Helper()
		if got := ShareOf(num, den, "x", digits).Value; got != want {
			t.Errorf("%d/%d to %d decimals: %v, want %v", num, den, digits, got, want)
		}
	}
	f(1049, 2295, 1, 45.7)
	f(1210, 2295, 2, 52.72)
	f(36, 2295, 2, 1.57)
	f(1144, 2329, 1, 49.1)
	f(1, 16, 1, 6.3) // 6.25: half up
	f(1, 40, 0, 3)   // 2.5: half up
	f(1, 3, 4, 33.3333)
	f(0, 5, 1, 0)
	f(5, 0, 1, 0) // no base: no share
}

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, Location)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSummaryRequestQuery(t *testing.T) {
	cat := &Catalog{Units: []Unit{{Code: "TX", Level: LevelTown}, {Code: "P1", Level: LevelCommune, Parent: "TX"}}}
	if err := cat.Index(); err != nil {
		t.Fatal(err)
	}
	bad := func(r SummaryRequest, want string) {
		t.Helper()
		_, err := r.Query(cat)
		if !errors.Is(err, ErrInvalid) || err.Error() != "invalid request: "+want {
			t.Errorf("%+v: got %v, want %q", r, err, want)
		}
	}
	bad(SummaryRequest{From: day("2022-02-01"), To: day("2022-01-31")}, "to=2022-01-31 is before from=2022-02-01")
	bad(SummaryRequest{From: day("2022-01-01"), To: day("2022-12-31"), Unit: "XX"}, `unit="XX": no such unit in the catalogue`)
	bad(SummaryRequest{From: day("2022-01-01"), To: day("2022-12-31"), Group: "week"}, `group="week": want unit, level, procedure, official or month`)
	bad(SummaryRequest{From: day("2010-01-01"), To: day("2022-12-31"), Group: "month"}, "group=month over 156 months: ask for ten years (120 months) at most")
	bad(SummaryRequest{From: day("2022-01-01"), To: day("2022-12-31"), Channel: "fax"}, `channel="fax": want online, direct or postal`)

	q, err := SummaryRequest{From: day("2022-01-15"), To: day("2022-03-10"), Unit: "TX", Group: "month"}.Query(cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Windows) != 4 || !q.Windows[1].From.Equal(day("2022-01-15")) || !q.Windows[1].To.Equal(day("2022-02-01")) ||
		!q.Windows[3].To.Equal(day("2022-03-11")) || len(q.Units) != 2 {
		t.Errorf("windows %v, units %v", q.Windows, q.Units)
	}
}

func TestSummarizeByLevelWithTargets(t *testing.T) {
	forty, thirtyFive := 40.0, 35.0
	cat := &Catalog{
		Units: []Unit{{Code: "TX", Name: "Thị xã", Level: LevelTown}, {Code: "P1", Level: LevelCommune, Parent: "TX"},
			{Code: "P2", Level: LevelCommune, Parent: "TX"}},
		Targets: []Target{{Unit: "TX", Year: 2022, OnlineShare: &forty}, {Unit: "P1", Year: 2022, OnlineShare: &thirtyFive},
			{Unit: "P2", Year: 2022, OnlineShare: &thirtyFive}},
	}
	if err := cat.Index(); err != nil {
		t.Fatal(err)
	}
	r := SummaryRequest{From: day("2022-01-01"), To: day("2022-12-31"), Group: GroupLevel, Digits: 1}
	q, _ := r.Query(cat)
	s := r.Summarize(cat, q, []Counts{
		{Key: "TX", Handled: 2329, New: 2297, NewOnline: 1144, Resolved: 2295, Early: 1049, OnTime: 1210, Late: 36},
		{Key: "P1", Handled: 100, New: 100, NewOnline: 30, Resolved: 100, Early: 70, OnTime: 30},
		{Key: "P2", Handled: 100, New: 100, NewOnline: 50, Resolved: 100, Early: 70, OnTime: 30},
	})
	if len(s.Groups) != 2 || s.Groups[0].Key != "commune" || s.Groups[1].Key != "town" || s.Total.Handled != 2529 {
		t.Fatalf("groups %+v, total %+v", s.Groups, s.Total)
	}
	town, communes := s.Groups[1], s.Groups[0]
	if town.Name != "Cấp thị xã" || town.Shares["online_of_handled"].Value != 49.1 || town.Shares["late"].Value != 1.6 {
		t.Errorf("town: %+v", town)
	}
	if len(town.Targets) != 1 || !town.Targets[0].Met || town.Targets[0].Target != 40 {
		t.Errorf("town targets: %+v", town.Targets)
	}
	if len(communes.Targets) != 1 || !communes.Targets[0].Met || communes.Targets[0].Value != 40 {
		t.Errorf("commune targets (80 online of 200 new against 35%%): %+v", communes.Targets)
	}
}
