package motcua_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
)

func cal(t testing.TB) *motcua.Calendar {
	t.Helper()
	c, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	return motcua.NewCalendar(c.Days)
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, motcua.Location)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendarAdd(t *testing.T) {
	c := cal(t)
	for _, tc := range []struct {
		name string
		from string
		days float64
		want string
	}{
		{"a working morning", "2022-03-01 08:00", 1, "2022-03-02 08:00"},
		{"Tết 2022 (31/1 to 4/2 off)", "2022-01-28 08:00", 1, "2022-02-07 08:00"},
		{"Hùng Kings' day on a Sunday, made up on Monday", "2022-04-08 16:00", 1, "2022-04-12 16:00"},
		{"received at 17:05 on a Friday", "2022-03-04 17:05", 1, "2022-03-07 17:00"},
		{"received at lunch", "2022-03-01 12:00", 0.5, "2022-03-02 07:30"},
		{"the afternoon only", "2022-03-01 12:00", 3.5 / 8, "2022-03-01 17:00"},
		{"ends at a session's end", "2022-03-01 07:00", 4.5 / 8, "2022-03-01 11:30"},
		{"a swapped working Saturday (4/5/2024)", "2024-05-03 08:00", 1, "2024-05-04 08:00"},
		{"the 29/4/2024 swap is off", "2024-04-26 17:00", 1, "2024-05-02 17:00"},
		{"a long span over Tết 2023", "2023-01-02 07:00", 30, "2023-02-20 17:00"},
	} {
		got := c.AddDays(at(tc.from), tc.days)
		if !got.Equal(at(tc.want)) {
			t.Errorf("%s: %s + %v days = %s, want %s", tc.name, tc.from, tc.days, got.Format("2006-01-02 15:04 Mon"), tc.want)
		}
	}
}

func TestCalendarWorkingTime(t *testing.T) {
	c := cal(t)
	for _, tc := range []struct {
		from, to string
		want     time.Duration
	}{
		{"2022-03-01 07:00", "2022-03-01 17:00", 8 * time.Hour},
		{"2022-03-01 11:00", "2022-03-01 14:00", time.Hour},
		{"2022-03-04 16:00", "2022-03-07 08:00", 2 * time.Hour}, // over a weekend
		{"2022-01-28 17:00", "2022-02-07 07:00", 0},             // Tết
		{"2022-03-01 10:00", "2022-03-01 09:00", 0},
	} {
		if got := c.WorkingTime(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("WorkingTime(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if !c.IsWorking(at("2022-03-01 07:00")) || c.IsWorking(at("2022-03-01 12:00")) || c.IsWorking(at("2022-02-01 09:00")) ||
		c.IsWorking(at("2022-03-05 09:00")) || !c.IsWorking(at("2025-02-08 09:00")) {
		t.Error("IsWorking is wrong for a working hour, lunch, Tết, a Saturday or a swapped Saturday")
	}
}

// TestCalendarProperties: adding then measuring working time round-trips, and
// no due date falls on a holiday or a weekend.
func TestCalendarProperties(t *testing.T) {
	c := cal(t)
	r := rand.New(rand.NewPCG(1, 2))
	start := at("2022-01-01 00:00")
	for i := 0; i < 20000; i++ {
		from := start.Add(time.Duration(r.Int64N(int64(5 * 365 * 24 * time.Hour))))
		d := time.Duration(r.Int64N(int64(40*8*time.Hour))) + time.Minute
		due := c.Add(from, d)
		if got := c.WorkingTime(from, due); got != d {
			t.Fatalf("WorkingTime(%v, Add(%v, %v)) = %v", from, from, d, got)
		}
		if !c.IsWorkingDay(due) {
			t.Fatalf("Add(%v, %v) = %v falls on a day off", from, d, due)
		}
		if n := float64(1 + r.IntN(30)); !c.IsWorkingDay(c.AddDays(from, n)) {
			t.Fatalf("AddDays(%v, %v) falls on a day off", from, n)
		}
	}
}

func TestOutcomeOf(t *testing.T) {
	due := at("2022-03-10 17:00")
	for _, tc := range []struct {
		resolved string
		want     motcua.Outcome
	}{
		{"2022-03-09 16:00", motcua.Early},
		{"2022-03-10 07:00", motcua.OnTime},
		{"2022-03-10 23:59", motcua.OnTime}, // the due day, after hours
		{"2022-03-11 00:00", motcua.Late},
	} {
		if got := motcua.OutcomeOf(at(tc.resolved), due); got != tc.want {
			t.Errorf("resolved %s: %s, want %s", tc.resolved, got, tc.want)
		}
	}
	// Days are counted in Asia/Ho_Chi_Minh whatever the zone of the times.
	if got := motcua.OutcomeOf(time.Date(2022, 3, 10, 17, 30, 0, 0, time.UTC), due); got != motcua.Late {
		t.Errorf("17:30 UTC on 10/3 is 00:30 on 11/3 in Asia/Ho_Chi_Minh: got %s, want late", got)
	}
	if got := motcua.OutcomeOf(at("2030-01-01 00:00"), time.Time{}); got != motcua.OnTime {
		t.Errorf("no due date: %s, want on_time", got)
	}
}
