package motcua

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeriodKind is the length of a reporting period.
type PeriodKind string

// The kinds of periods that pages and reports offer.
const (
	PeriodMonth      PeriodKind = "month"
	PeriodQuarter    PeriodKind = "quarter"
	PeriodHalf       PeriodKind = "half"        // six months: the first or the second half of the year
	PeriodNineMonths PeriodKind = "nine_months" // the first nine months of the year
	PeriodYear       PeriodKind = "year"
	PeriodCustom     PeriodKind = "custom"
)

// Period is a span of days, From to To both included (Asia/Ho_Chi_Minh).
// A calendar period follows the calendar; an official one follows the
// reporting periods that provinces use (Decree 09/2019/NĐ-CP as applied by
// provincial rules): a month runs from the 15th of the previous month to the
// 14th, a year from 15/12 of the previous year to 14/12.
type Period struct {
	Kind     PeriodKind
	Official bool
	Year     int
	N        int // the month (1-12), quarter (1-4) or half (1-2); 0 otherwise
	From, To time.Time
}

// NewPeriod returns the period of a kind: the n-th month, quarter or half
// of the year (n is ignored for nine months and the year), calendar or
// official. Its errors wrap ErrInvalid.
func NewPeriod(kind PeriodKind, year, n int, official bool) (Period, error) {
	if year < 1971 || year > 2105 {
		return Period{}, invalid("year %d: want 1971 to 2105", year)
	}
	p := Period{Kind: kind, Official: official, Year: year}
	// first and last month of the span, months counted from January = 1
	var first, last int
	switch kind {
	case PeriodMonth:
		if n < 1 || n > 12 {
			return p, invalid("month %d: want 1 to 12", n)
		}
		first, last = n, n
	case PeriodQuarter:
		if n < 1 || n > 4 {
			return p, invalid("quarter %d: want 1 to 4", n)
		}
		first, last = 3*n-2, 3*n
	case PeriodHalf:
		if n < 1 || n > 2 {
			return p, invalid("half %d: want 1 (first six months) or 2", n)
		}
		first, last = 6*n-5, 6*n
	case PeriodNineMonths:
		first, last, n = 1, 9, 0
	case PeriodYear:
		first, last, n = 1, 12, 0
	default:
		return p, invalid("period %q: want month, quarter, half, nine_months or year", kind)
	}
	p.N = n
	if official {
		// From the 15th of the month before the first to the 14th of the last.
		p.From = time.Date(year, time.Month(first-1), 15, 0, 0, 0, 0, Location)
		p.To = time.Date(year, time.Month(last), 14, 0, 0, 0, 0, Location)
	} else {
		p.From = time.Date(year, time.Month(first), 1, 0, 0, 0, 0, Location)
		p.To = time.Date(year, time.Month(last+1), 0, 0, 0, 0, 0, Location)
	}
	return p, nil
}

// CustomPeriod returns the days from to to, both included.
func CustomPeriod(from, to time.Time) (Period, error) {
	from, to = DayOf(from), DayOf(to)
	if to.Before(from) {
		return Period{}, invalid("to=%s is before from=%s", FormatDate(to), FormatDate(from))
	}
	if from.Before(FirstSummaryDay) || to.After(LastSummaryDay) {
		return Period{}, invalid("want days from %s to %s", FormatDate(FirstSummaryDay), FormatDate(LastSummaryDay))
	}
	return Period{Kind: PeriodCustom, Year: to.Year(), From: from, To: to}, nil
}

var romanQuarters = [...]string{"", "I", "II", "III", "IV"}

// Label names the period in Vietnamese, as reports title it: "Tháng
// 12/2022", "Quý I/2022", "6 tháng đầu năm 2022", "9 tháng năm 2022", "Năm
// 2022", and for an official period the days it runs ("kỳ báo cáo từ
// 15/11/2022 đến 14/12/2022").
func (p Period) Label() string {
	var s string
	switch p.Kind {
	case PeriodMonth:
		s = fmt.Sprintf("Tháng %d/%d", p.N, p.Year)
	case PeriodQuarter:
		s = fmt.Sprintf("Quý %s/%d", romanQuarters[p.N], p.Year)
	case PeriodHalf:
		if p.N == 1 {
			s = fmt.Sprintf("6 tháng đầu năm %d", p.Year)
		} else {
			s = fmt.Sprintf("6 tháng cuối năm %d", p.Year)
		}
	case PeriodNineMonths:
		s = fmt.Sprintf("9 tháng năm %d", p.Year)
	case PeriodYear:
		s = fmt.Sprintf("Năm %d", p.Year)
	default:
		return fmt.Sprintf("Từ %s đến %s", FormatDate(p.From), FormatDate(p.To))
	}
	if p.Official {
		s += fmt.Sprintf(" (kỳ báo cáo từ %s đến %s)", FormatDate(p.From), FormatDate(p.To))
	}
	return s
}

// FormatDate writes a day as Vietnamese write it: 27/12/2022.
func FormatDate(t time.Time) string { return t.In(Location).Format("02/01/2006") }

// FormatCount writes a whole number with dots between thousands: 2.329.
func FormatCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// FormatShare writes a percentage with a decimal comma: 49,1%.
func FormatShare(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseUint(whole, 10, 64)
	if err == nil {
		whole = FormatCount(n)
	}
	if frac != "" {
		return whole + "," + frac + "%"
	}
	return whole + "%"
}
