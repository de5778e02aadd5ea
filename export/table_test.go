package export_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua/export"
)

func TestCheck(t *testing.T) {
	f := func(edit func(d *export.Doc), want string) {
		t.Helper()
		d := testDoc()
		edit(d)
		err := d.Check()
		if err == nil {
			t.Fatalf("Check: no error, want %q", want)
		}
		if err.Error() != want {
			t.Fatalf("Check:\n got %q\nwant %q", err, want)
		}
	}
	units := func(d *export.Doc) *export.Table { return d.Tables[0] }
	f(func(d *export.Doc) { units(d).Rows[2][3].Value = "x" },
		`table "units": row 3, column "Trực tuyến": want a count (a non-negative integer), got string "x"`)
	f(func(d *export.Doc) { units(d).Rows[0][2].Value = -1 },
		`table "units": row 1, column "Tổng số": want a count (a non-negative integer), got int -1`)
	f(func(d *export.Doc) { units(d).Rows[0][2].Value = 2329.0 },
		`table "units": row 1, column "Tổng số": want a count (a non-negative integer), got float64 2329`)
	f(func(d *export.Doc) { units(d).Rows[1][4].Value = "49,1%" },
		`table "units": row 2, column "Tỷ lệ trực tuyến": want a share (a finite number), got string "49,1%"`)
	f(func(d *export.Doc) { units(d).Footer[1].Value = 7 },
		`table "units": footer, column "Đơn vị": want a string, got int 7`)
	f(func(d *export.Doc) { units(d).Rows[3] = units(d).Rows[3][:9] },
		`table "units": row 4: has 9 cells, want 10`)
	f(func(d *export.Doc) { units(d).Groups[2].Span = 6 },
		`table "units": the groups span 11 columns, but the table has 10`)
	f(func(d *export.Doc) { units(d).Groups[0].Span = 0 },
		`table "units": group 1 ("") spans 0 columns, want at least 1`)
	f(func(d *export.Doc) { units(d).Name = "Units" },
		`table "Units": the name must be one or more of a-z, 0-9 and _`)
	f(func(d *export.Doc) { d.Tables[2].Name = "units" },
		`table "units": another table of the document has the same name`)
	f(func(d *export.Doc) { d.Tables[1].Rows[0][2].Value = "27/12/2022" },
		`table "open_dossiers": row 1, column "Ngày tiếp nhận": want a date (a time.Time from 01/03/1900 to 31/12/9999), got string "27/12/2022"`)
	f(func(d *export.Doc) { d.Tables[1].Rows[1][3].Value = time.Time{} },
		`table "open_dossiers": row 2, column "Hạn giải quyết": want a time (a time.Time from 01/03/1900 to 31/12/9999), got time.Time 0001-01-01T00:00:00Z`)
	d := testDoc()
	d.Tables[1] = nil
	if err := d.Check(); err == nil || err.Error() != "table 2 of the document is nil" {
		t.Fatalf("Check of a nil table: %v", err)
	}
	if err := testDoc().Check(); err != nil {
		t.Fatalf("Check of the test document: %v", err)
	}
}

func TestDocTable(t *testing.T) {
	d := testDoc()
	if tb, ok := d.Table("open_dossiers"); !ok || tb != d.Tables[1] {
		t.Fatalf("Table(open_dossiers) = %v, %v", tb, ok)
	}
	if _, ok := d.Table("nope"); ok {
		t.Fatal("Table(nope) found a table")
	}
}

func TestFormatCell(t *testing.T) {
	f := func(v any, k export.Kind, want string) {
		t.Helper()
		if got := export.FormatCell(export.Cell{Value: v}, k); got != want {
			t.Fatalf("FormatCell(%T %v, %v) = %q, want %q", v, v, k, got, want)
		}
	}
	f(2329, export.Count, "2.329")
	f(uint64(29791), export.Count, "29.791")
	f(int8(7), export.Count, "7")
	f(1234567, export.Count, "1.234.567")
	f(49.1, export.Share, "49,1%")
	f(50, export.Share, "50,0%")
	f(100.0, export.Share, "100,0%")
	f(49.125, export.Share, "49,125%")
	f(33.333333333, export.Share, "33,3333%")
	f(0.1+0.2, export.Share, "0,3%")
	f(1234.5, export.Number, "1.234,5")
	f(-2.5, export.Number, "-2,5")
	f(-0.00001, export.Number, "0,0")
	f(day(2022, 12, 27, 0, 0), export.Date, "27/12/2022")
	f(time.Date(2022, 12, 26, 20, 0, 0, 0, time.UTC), export.Date, "27/12/2022") // 03:00 in Hanoi
	f(day(2022, 12, 27, 8, 30), export.Time, "27/12/2022 08:30")
	f("Ủy ban nhân dân xã Trường Long Hòa", export.Text, "Ủy ban nhân dân xã Trường Long Hòa")
	f(nil, export.Count, "")
	f(nil, export.Text, "")
}
