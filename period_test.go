package motcua

import (
	"errors"
	"testing"
)

func TestPeriods(t *testing.T) {
	f := func(kind PeriodKind, year, n int, official bool, from, to, label string) {
		t.Helper()
		p, err := NewPeriod(kind, year, n, official)
		if err != nil {
			t.Fatalf("%s %d/%d: %v", kind, n, year, err)
		}
		if got := FormatDate(p.From) + "-" + FormatDate(p.To); got != from+"-"+to {
			t.Errorf("%s %d/%d official=%v: %s, want %s-%s", kind, n, year, official, got, from, to)
		}
		if p.Label() != label {
			t.Errorf("%s %d/%d official=%v: label %q, want %q", kind, n, year, official, p.Label(), label)
		}
	}
	f(PeriodMonth, 2022, 2, false, "01/02/2022", "28/02/2022", "Tháng 2/2022")
	f(PeriodMonth, 2024, 2, false, "01/02/2024", "29/02/2024", "Tháng 2/2024")
	f(PeriodMonth, 2022, 12, true, "15/11/2022", "14/12/2022", "Tháng 12/2022 (kỳ báo cáo từ 15/11/2022 đến 14/12/2022)")
	f(PeriodMonth, 2022, 1, true, "15/12/2021", "14/01/2022", "Tháng 1/2022 (kỳ báo cáo từ 15/12/2021 đến 14/01/2022)")
	f(PeriodQuarter, 2022, 1, false, "01/01/2022", "31/03/2022", "Quý I/2022")
	f(PeriodQuarter, 2022, 1, true, "15/12/2021", "14/03/2022", "Quý I/2022 (kỳ báo cáo từ 15/12/2021 đến 14/03/2022)")
	f(PeriodQuarter, 2022, 4, false, "01/10/2022", "31/12/2022", "Quý IV/2022")
	f(PeriodHalf, 2022, 1, true, "15/12/2021", "14/06/2022", "6 tháng đầu năm 2022 (kỳ báo cáo từ 15/12/2021 đến 14/06/2022)")
	f(PeriodHalf, 2022, 2, false, "01/07/2022", "31/12/2022", "6 tháng cuối năm 2022")
	f(PeriodNineMonths, 2022, 0, true, "15/12/2021", "14/09/2022", "9 tháng năm 2022 (kỳ báo cáo từ 15/12/2021 đến 14/09/2022)")
	f(PeriodYear, 2022, 0, false, "01/01/2022", "31/12/2022", "Năm 2022")
	f(PeriodYear, 2022, 0, true, "15/12/2021", "14/12/2022", "Năm 2022 (kỳ báo cáo từ 15/12/2021 đến 14/12/2022)")

	for _, bad := range []struct {
		kind    PeriodKind
		year, n int
	}{{PeriodMonth, 2022, 13}, {PeriodQuarter, 2022, 0}, {PeriodHalf, 2022, 3}, {"week", 2022, 1}, {PeriodYear, 1900, 0}} {
		if _, err := NewPeriod(bad.kind, bad.year, bad.n, false); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %d/%d: got %v, want an invalid request", bad.kind, bad.n, bad.year, err)
		}
	}
	if _, err := CustomPeriod(day("2022-03-10"), day("2022-03-01")); !errors.Is(err, ErrInvalid) {
		t.Errorf("custom period backwards: %v", err)
	}
	if p, err := CustomPeriod(day("2022-03-01"), day("2022-03-10")); err != nil || p.Label() != "Từ 01/03/2022 đến 10/03/2022" {
		t.Errorf("custom period: %q, %v", p.Label(), err)
	}
}

func TestVietnameseNumbers(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(FormatCount(0), "0")
	f(FormatCount(999), "999")
	f(FormatCount(2329), "2.329")
	f(FormatCount(29791), "29.791")
	f(FormatCount(1234567), "1.234.567")
	f(FormatShare(49.1, 1), "49,1%")
	f(FormatShare(52.72, 2), "52,72%")
	f(FormatShare(100, 1), "100,0%")
	f(FormatShare(3, 0), "3%")
	f(FormatShare(1234.5, 1), "1.234,5%")
	f(FormatDate(day("2022-12-27")), "27/12/2022")
}
