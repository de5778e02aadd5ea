package motcua

import (
	"fmt"
	"strings"
	"time"
)

// Session is a span of working hours within a day, as offsets from midnight.
// In catalogue files and in the API it is written as HH:MM.
type Session struct {
	Start time.Duration `col:"start"`
	End   time.Duration `col:"end"`
}

// MarshalJSON writes the session as {"start":"07:00","end":"11:30"}.
func (s Session) MarshalJSON() ([]byte, error) {
	return []byte(`{"start":"` + Clock(s.Start) + `","end":"` + Clock(s.End) + `"}`), nil
}

// Clock writes an offset from midnight as HH:MM.
func Clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// ParseClock reads HH:MM as an offset from midnight.
func ParseClock(s string) (time.Duration, error) {
	d, err := clock(s)
	if err != nil {
		return 0, fmt.Errorf("cannot read time of day %q: want HH:MM, such as 07:30", s)
	}
	return d, nil
}

// CheckSessions checks that working hours are spans in order that do not
// overlap, within a day.
func CheckSessions(ss []Session) error {
	var last time.Duration
	for i, s := range ss {
		if s.End <= s.Start || s.Start < last || s.End > 24*time.Hour {
			return fmt.Errorf("working hours %d (%s-%s): want spans in order within a day, each ending after it starts", i+1, Clock(s.Start), Clock(s.End))
		}
		last = s.End
	}
	return nil
}

// DefaultSessions are the civil service's working hours: 7:00-11:30 and
// 13:30-17:00, eight hours a day.
var DefaultSessions = []Session{
	{7 * time.Hour, 11*time.Hour + 30*time.Minute},
	{13*time.Hour + 30*time.Minute, 17 * time.Hour},
}

// Calendar is the working-day calendar: Monday to Friday in working hours,
// in Asia/Ho_Chi_Minh, less public holidays and plus swapped working days.
type Calendar struct {
	sessions []Session
	day      time.Duration // working time of one day
	off      map[int]bool  // yyyymmdd of weekdays off
	on       map[int]bool  // yyyymmdd of weekend days worked
}

// NewCalendar returns the calendar of the given holidays and swapped days,
// with sessions as working hours (DefaultSessions when none).
func NewCalendar(days []CalendarDay, sessions ...Session) *Calendar {
	if len(sessions) == 0 {
		sessions = DefaultSessions
	}
	c := &Calendar{sessions: sessions, off: map[int]bool{}, on: map[int]bool{}}
	for _, s := range sessions {
		c.day += s.End - s.Start
	}
	for _, d := range days {
		k := dayKey(d.Date.In(Location))
		if d.Kind == WorkingDay {
			c.on[k] = true
		} else {
			c.off[k] = true
		}
	}
	return c
}

// WorkingDayLength is the working time of one working day.
func (c *Calendar) WorkingDayLength() time.Duration { return c.day }

func dayKey(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

func midnight(t time.Time) time.Time {
	t = t.In(Location)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Location)
}

// IsWorkingDay reports whether the calendar day of t (Asia/Ho_Chi_Minh) is worked.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(Location)
	k := dayKey(t)
	if c.on[k] {
		return true
	}
	if c.off[k] {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorking reports whether t falls in working hours of a working day.
func (c *Calendar) IsWorking(t time.Time) bool {
	if !c.IsWorkingDay(t) {
		return false
	}
	off := t.Sub(midnight(t))
	for _, s := range c.sessions {
		if off >= s.Start && off < s.End {
			return true
		}
	}
	return false
}

// nextDay returns midnight of the calendar day after day.
func nextDay(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, Location)
}

// Add returns the time d of working time after t. A t outside working time
// counts from the next working moment: a dossier received at 17:05 on a
// Friday starts at 7:00 on Monday. A result at the end of a session stays
// there (17:00, not 7:00 the next day).
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	day := midnight(t)
	off := t.In(Location).Sub(day)
	for guard := 0; guard < 1_000_000; guard++ {
		if c.IsWorkingDay(day) {
			for _, s := range c.sessions {
				if off >= s.End {
					continue
				}
				if off < s.Start {
					off = s.Start
				}
				if left := s.End - off; d <= left {
					return day.Add(off + d)
				} else {
					d -= left
					off = s.End
				}
			}
		}
		day, off = nextDay(day), 0
		// Skip whole working weeks quickly on long spans.
		for d > 7*c.day && c.IsWorkingDay(day) && c.workingDaysIn(day, 7) == 5 {
			d -= 5 * c.day
			day = time.Date(day.Year(), day.Month(), day.Day()+7, 0, 0, 0, 0, Location)
		}
	}
	panic(fmt.Sprintf("motcua: calendar has no working time after %v", t))
}

// workingDaysIn counts the working days of the n days from day.
func (c *Calendar) workingDaysIn(day time.Time, n int) int {
	k := 0
	for i := 0; i < n; i++ {
		if c.IsWorkingDay(time.Date(day.Year(), day.Month(), day.Day()+i, 12, 0, 0, 0, Location)) {
			k++
		}
	}
	return k
}

// AddDays returns the time n working days after t (a fraction is a part of
// a working day).
func (c *Calendar) AddDays(t time.Time, n float64) time.Time {
	return c.Add(t, time.Duration(n*float64(c.day)))
}

// WorkingTime returns the working time between from and to; zero when to is
// not after from.
func (c *Calendar) WorkingTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	var total time.Duration
	for day := midnight(from); day.Before(to); day = nextDay(day) {
		if !c.IsWorkingDay(day) {
			continue
		}
		for _, s := range c.sessions {
			a, b := day.Add(s.Start), day.Add(s.End)
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				total += b.Sub(a)
			}
		}
	}
	return total
}

// SameDay reports whether a and b fall on the same calendar day in
// Asia/Ho_Chi_Minh.
func SameDay(a, b time.Time) bool { return dayKey(a.In(Location)) == dayKey(b.In(Location)) }

// DayOf returns the calendar day of t in Asia/Ho_Chi_Minh as midnight.
func DayOf(t time.Time) time.Time { return midnight(t) }

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
