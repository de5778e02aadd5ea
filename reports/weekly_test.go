package reports_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/reports"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, motcua.Location)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseWeek(t *testing.T) {
	f := func(s string, from string, ok bool) {
		t.Helper()
		w, err := reports.ParseWeek(s)
		if (err == nil) != ok || ok && w.From.Format(time.DateOnly) != from {
			t.Fatalf("ParseWeek(%q) = %v (%s), %v; want %s", s, w, w.From.Format(time.DateOnly), err, from)
		}
	}
	f("2024-W10", "2024-03-04", true)
	f("2024-W36", "2024-09-02", true)
	f("2021-W01", "2021-01-04", true)
	f("2020-W53", "2020-12-28", true)
	f("2021-W53", "", false)
	f("2024-W00", "", false)
	f("2024-10", "", false)
	if w := reports.LastCompleteWeek(at("2024-09-09 07:30")); w.String() != "2024-W36" {
		t.Errorf("the last complete week on Monday 9/9/2024: %s", w)
	}
}

// TestWeeklyReport: a week with two holidays (2024-W36: 2 and 3 September),
// two units and five officials with dossiers, worked out by hand. The
// week has three working days, so a target of 10 a week is 6.
func TestWeeklyReport(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	cal := cat.Calendar()
	var evs []motcua.Event
	n := 0
	add := func(official, unit string, ch motcua.Channel, count int, when string) {
		for range count {
			n++
			id := fmt.Sprintf("W%03d", n)
			evs = append(evs, motcua.Event{EventID: id, DossierID: id, Type: motcua.Received, At: at(when).Add(time.Duration(n) * time.Minute),
				Unit: unit, Procedure: "XA.001", Official: official, Channel: ch, Source: "test"})
		}
	}
	add("CB.P1.01", "P1", motcua.Online, 7, "2024-09-04 08:00")
	add("CB.P1.01", "P1", motcua.Direct, 1, "2024-09-05 08:00")
	add("CB.P1.02", "P1", motcua.Online, 6, "2024-09-05 09:00")
	add("CB.P1.02", "P1", motcua.Postal, 2, "2024-09-06 09:00")
	add("CB.P1.03", "P1", motcua.Online, 2, "2024-09-06 10:00")
	add("CB.P1.03", "P1", motcua.Direct, 3, "2024-09-06 14:00")
	add("CB.LH.02", "LH", motcua.Online, 1, "2024-09-02 09:00") // on the holiday, online
	add("CB.LH.02", "LH", motcua.Online, 9, "2024-09-04 09:00")
	add("CB.P1.01", "P1", motcua.Online, 3, "2024-08-27 08:00") // the week before
	add("CB.LH.01", "LH", motcua.Online, 2, "2024-09-09 08:00") // the week after
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.DossierID)
	}
	if _, err := wh.RefreshDossiers(ctx, ids, cat, cal); err != nil {
		t.Fatal(err)
	}
	week, _ := reports.ParseWeek("2024-W36")
	w, err := reports.BuildWeekly(ctx, wh, cat, cal, week, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.WorkingDays != 3 || len(w.DaysOff) != 2 || w.From != "2024-09-02" || w.To != "2024-09-08" {
		t.Fatalf("the week: %d working days, days off %v, %s to %s", w.WorkingDays, w.DaysOff, w.From, w.To)
	}
	units := map[string]reports.UnitWeek{}
	for _, u := range w.Units {
		units[u.Unit] = u
	}
	p1, lh := units["P1"], units["LH"]
	if p1.Received != 21 || p1.Online != 15 || p1.Direct != 4 || p1.Postal != 2 || p1.OnlineShare.Value != 71.4 || p1.Below != 1 {
		t.Errorf("P1: %+v", p1)
	}
	if lh.Received != 10 || lh.Online != 10 || lh.OnlineShare.Value != 100 || lh.Below != 2 {
		t.Errorf("LH: %+v", lh)
	}
	type want struct {
		code                            string
		received, online, direct, postl uint64
		met                             bool
		by                              float64
		prev                            uint64
		change                          int64
		rank                            int
	}
	check := func(u reports.UnitWeek, ws ...want) {
		t.Helper()
		if len(u.Officials) != len(ws) {
			t.Fatalf("%s: %d officials, want %d", u.Unit, len(u.Officials), len(ws))
		}
		for i, w := range ws {
			o := u.Officials[i]
			if o.Official != w.code || o.Received != w.received || o.Online != w.online || o.Direct != w.direct || o.Postal != w.postl ||
				o.Target != 6 || o.WeeklyTarget != 10 || o.Met != w.met || o.By != w.by || o.PrevOnline != w.prev || o.Change != w.change || o.Rank != w.rank {
				t.Errorf("%s, place %d: %+v\nwant %+v", u.Unit, i+1, o, w)
			}
		}
	}
	// Below target first, then by rank.
	check(p1,
		want{"CB.P1.03", 5, 2, 3, 0, false, -4, 0, 2, 3},
		want{"CB.P1.01", 8, 7, 1, 0, true, 1, 3, 4, 1},
		want{"CB.P1.02", 8, 6, 0, 2, true, 0, 0, 6, 2})
	check(lh,
		want{"CB.LH.01", 0, 0, 0, 0, false, -6, 0, 0, 2},
		want{"CB.LH.03", 0, 0, 0, 0, false, -6, 0, 0, 2},
		want{"CB.LH.02", 10, 10, 0, 0, true, 4, 0, 10, 1})

	// JSON carries the same.
	var buf bytes.Buffer
	if err := reports.Write(&buf, reports.FormatJSON, w.Doc("Báo cáo tuần"), "", w); err != nil {
		t.Fatal(err)
	}
	var back reports.Weekly
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back.Units) != len(w.Units) || back.Units[0].Officials[0].Official == "" {
		t.Fatalf("JSON: %v %s", err, buf.String()[:200])
	}
	// XLSX: the summary sheet and P1's, read back.
	buf.Reset()
	if err := reports.Write(&buf, reports.FormatXLSX, w.Doc("Báo cáo tiếp nhận trực tuyến tuần"), "", w); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&buf, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	sheets := book.GetSheetList()
	u1, _ := cat.Unit("P1")
	findRow := func(sheet, first string) []string {
		rows, _ := book.GetRows(sheet, excelize.Options{RawCellValue: true})
		for _, r := range rows {
			if len(r) > 0 && r[0] == first {
				return r
			}
		}
		t.Fatalf("sheet %q has no row %q", sheet, first)
		return nil
	}
	if r := findRow(sheets[0], u1.Name); r[1] != "21" || r[2] != "15" || r[3] != "4" || r[4] != "2" || r[5] != "0.714" || r[8] != "1" {
		t.Errorf("the summary sheet's P1 row: %q", r)
	}
	var p1Sheet string
	for _, s := range sheets {
		if rows, _ := book.GetRows(s); len(rows) > 0 && rows[0][0] != "" {
			for _, r := range rows {
				if len(r) > 0 && r[0] == u1.Name {
					p1Sheet = s
				}
			}
		}
	}
	if p1Sheet == "" {
		t.Fatalf("no sheet is titled %q: %v", u1.Name, sheets)
	}
	o, _ := cat.Official("CB.P1.03")
	if r := findRow(p1Sheet, o.Name); r[1] != "5" || r[2] != "2" || r[3] != "3" || r[5] != "6" || r[6] != "Chưa đạt" || r[7] != "-4" || r[8] != "0" || r[9] != "2" || r[10] != "3" {
		t.Errorf("P1's sheet, %s: %q", o.Name, r)
	}
	// One unit alone.
	w, err = reports.BuildWeekly(ctx, wh, cat, cal, week, "LH")
	if err != nil || len(w.Units) != 1 || w.Units[0].Unit != "LH" {
		t.Errorf("LH alone: %+v %v", w, err)
	}
}

// TestWeeklyAfterTheReform: a week after 1 July 2025 lists the officials of
// today's units, not those of the units that ended.
func TestWeeklyAfterTheReform(t *testing.T) {
	wh := warehousetest.Open(t)
	cat, _ := catalog.Load(catalog.DuyenHai())
	week, _ := reports.ParseWeek("2025-W30")
	w, err := reports.BuildWeekly(t.Context(), wh, cat, cat.Calendar(), week, "")
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	for _, u := range w.Units {
		units = append(units, u.Unit)
	}
	for _, u := range units {
		if cu, _ := cat.Unit(u); !cu.AliveAt(week.From) {
			t.Errorf("a week after the reform lists %s, which ended on %s", u, cu.End().Format(time.DateOnly))
		}
	}
	if !slices.Contains(units, "PDH.TT") || !slices.Contains(units, "XLH.TT") {
		t.Errorf("the units of a week after the reform: %v", units)
	}
}
