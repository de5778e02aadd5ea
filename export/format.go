package export

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// maxDecimals is the most decimals a share or number shows.
const maxDecimals = 4

// decimals returns how many decimals f shows: as many as it has, rounded to
// maxDecimals, and at least one (49.1 shows one, 49.25 two, 50 one: 50,0%).
func decimals(f float64) int {
	s := strconv.FormatFloat(f, 'f', maxDecimals, 64)
	s = strings.TrimRight(s, "0")
	_, frac, _ := strings.Cut(s, ".")
	return max(len(frac), 1)
}

// FormatCell writes a cell's value as a page shows it, in Vietnamese format,
// for a column of kind k: a count with dots between thousands (2.329), a
// share with a decimal comma and as many decimals as it has, at least one
// and at most four (49,1%), another number the same way without the percent
// sign (1.234,5), a date as 27/12/2022 and a time as 27/12/2022 08:30 (in
// Asia/Ho_Chi_Minh), text as it is. A nil value is "". A value that does not
// fit k (see Table.Check) is written with fmt.Sprint.
func FormatCell(c Cell, k Kind) string {
	v := c.Value
	if v == nil {
		return ""
	}
	switch k {
	case Text:
		if s, ok := v.(string); ok {
			return s
		}
	case Count:
		if u, ok := v.(uint64); ok {
			return motcua.FormatCount(u)
		}
		if n, ok := integer(v); ok {
			if n < 0 {
				return "-" + motcua.FormatCount(uint64(-n))
			}
			return motcua.FormatCount(uint64(n))
		}
	case Share:
		if f, ok := number(v); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return formatDecimal(f, decimals(f)) + "%"
		}
	case Number:
		if f, ok := number(v); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return formatDecimal(f, decimals(f))
		}
	case Date:
		if t, ok := v.(time.Time); ok {
			return motcua.FormatDate(t)
		}
	case Time:
		if t, ok := v.(time.Time); ok {
			return t.In(motcua.Location).Format("02/01/2006 15:04")
		}
	}
	return fmt.Sprint(v)
}

// formatDecimal writes f with digits decimals in Vietnamese format: 1.234,5.
// It takes motcua.FormatShare's digits and drops its percent sign.
func formatDecimal(f float64, digits int) string {
	sign := ""
	if f < 0 && strings.Trim(strconv.FormatFloat(f, 'f', digits, 64), "-0.") != "" {
		sign = "-" // and not for what rounds to zero
	}
	return sign + strings.TrimSuffix(motcua.FormatShare(math.Abs(f), digits), "%")
}

// wallClock returns t's day and time of day in Asia/Ho_Chi_Minh, as a UTC
// time, cut to the day for Date and to the minute for Time.
func wallClock(t time.Time, k Kind) time.Time {
	l := t.In(motcua.Location)
	y, m, d := l.Date()
	if k == Date {
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, d, l.Hour(), l.Minute(), 0, 0, time.UTC)
}
