package motcua

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode normal form C, the form motcua stores: Vietnamese
// text typed on some systems arrives decomposed (NFD), and the two forms of
// the same name must compare equal.
func NFC(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return norm.NFC.String(s)
		}
	}
	return s
}

// ParseTime reads an RFC 3339 time with a UTC offset. A time without an
// offset is an error, not a guess.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "02/01/2006 15:04:05", "02/01/2006 15:04"} {
		if _, err2 := time.Parse(layout, strings.Replace(s, " ", "T", 1)); err2 == nil {
			return time.Time{}, fmt.Errorf("time %q has no UTC offset; write it with one, such as 2022-03-01T08:00:00+07:00", s)
		}
		if _, err2 := time.Parse(layout, s); err2 == nil {
			return time.Time{}, fmt.Errorf("time %q has no UTC offset; write it with one, such as 2022-03-01T08:00:00+07:00", s)
		}
	}
	for _, layout := range []string{time.DateOnly, "02/01/2006"} {
		if _, err2 := time.Parse(layout, s); err2 == nil {
			return time.Time{}, fmt.Errorf("time %q is a date without a time and offset; write it like 2022-03-01T08:00:00+07:00", s)
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: want RFC 3339 with an offset, such as 2022-03-01T08:00:00+07:00", s)
}
