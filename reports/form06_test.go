package reports_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/export"
	"github.com/motcua/motcua/export/exporttest"
	"github.com/motcua/motcua/reports"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestForm06 covers each column on hand-written dossiers of March 2024,
// worked out by hand: carried over, early, on time, late, withdrawn and
// refused (resolved on time), paused for a supplement past its due date
// (in progress within due), overdue in progress, and one after the period.
func TestForm06(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	var evs []motcua.Event
	ev := func(dossier string, typ motcua.EventType, when, proc string, ch motcua.Channel, due string) {
		e := motcua.Event{EventID: dossier + "-" + string(typ), DossierID: dossier, Type: typ, At: at(when), Unit: "P1", Procedure: proc,
			Channel: ch, Source: "test"}
		if due != "" {
			e.DueAt = at(due)
		}
		evs = append(evs, e)
	}
	ev("A", motcua.Received, "2024-02-20 08:00", "XA.001", motcua.Direct, "2024-03-08 17:00")
	ev("A", motcua.Resolved, "2024-03-05 10:00", "XA.001", "", "")
	ev("B", motcua.Received, "2024-03-04 08:00", "XA.001", motcua.Online, "2024-03-08 17:00")
	ev("B", motcua.Resolved, "2024-03-08 15:00", "XA.001", "", "")
	ev("C", motcua.Received, "2024-03-04 09:00", "TX.002", motcua.Direct, "2024-03-06 17:00")
	ev("C", motcua.Resolved, "2024-03-11 10:00", "TX.002", "", "")
	ev("D", motcua.Received, "2024-03-05 08:00", "XA.001", motcua.Postal, "2024-03-12 17:00")
	ev("D", motcua.Withdrawn, "2024-03-07 08:00", "XA.001", "", "")
	ev("E", motcua.Received, "2024-03-05 09:00", "XA.001", motcua.Online, "2024-03-12 17:00")
	ev("E", motcua.Rejected, "2024-03-06 09:00", "XA.001", "", "")
	ev("F", motcua.Received, "2024-03-11 08:00", "XA.001", motcua.Direct, "2024-03-13 17:00")
	ev("F", motcua.SupplementRequested, "2024-03-12 08:00", "XA.001", "", "")
	ev("G", motcua.Received, "2024-03-18 08:00", "XA.001", motcua.Online, "2024-03-20 17:00")
	ev("H", motcua.Received, "2024-03-25 08:00", "XA.001", motcua.Direct, "2024-04-05 17:00")
	ev("I", motcua.Received, "2024-04-02 08:00", "XA.001", motcua.Online, "2024-04-05 17:00")
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{"A", "B", "C", "D", "E", "F", "G", "H", "I"}, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	march, _ := motcua.NewPeriod(motcua.PeriodMonth, 2024, 3, false)
	f, err := reports.BuildForm06(ctx, wh, cat, march, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := reports.Form06Row{Field: "Tổng số", Received: 8, Online: 3, DirectPostal: 4, CarriedOver: 1, Resolved: 5, Early: 1, OnTime: 3,
		Late: 1, InProgress: 3, WithinDue: 2, OverdueInProgr: 1}
	if f.Total != want {
		t.Errorf("total:\n got %+v\nwant %+v", f.Total, want)
	}
	if len(f.Rows) != 4 || f.Rows[0].STT != "I" || f.Rows[0].Level != "town" || f.Rows[2].STT != "II" || f.Rows[2].Level != "commune" {
		t.Fatalf("rows: %+v", f.Rows)
	}
	town := reports.Form06Row{STT: "I", Field: "Cấp thị xã", Level: "town", Received: 1, DirectPostal: 1, Resolved: 1, Late: 1}
	commune := reports.Form06Row{STT: "II", Field: "Cấp xã, phường", Level: "commune", Received: 7, Online: 3, DirectPostal: 3, CarriedOver: 1,
		Resolved: 4, Early: 1, OnTime: 3, InProgress: 3, WithinDue: 2, OverdueInProgr: 1}
	if f.Rows[0] != town || f.Rows[2] != commune {
		t.Errorf("levels:\n got %+v\n     %+v\nwant %+v\n     %+v", f.Rows[0], f.Rows[2], town, commune)
	}
	if f.Rows[1].Field != "Hộ tịch" || f.Rows[1].STT != "1" || f.Rows[1].Received != 1 {
		t.Errorf("the town's field: %+v", f.Rows[1])
	}
	for _, r := range append([]reports.Form06Row{f.Total}, f.Rows...) {
		if r.Received != r.Online+r.DirectPostal+r.CarriedOver || r.Received != r.Resolved+r.InProgress ||
			r.Resolved != r.Early+r.OnTime+r.Late || r.InProgress != r.WithinDue+r.OverdueInProgr {
			t.Errorf("row %q does not add up: %+v", r.Field, r)
		}
	}
	// The XLSX keeps the form's layout: two header rows with merged cells.
	var buf bytes.Buffer
	if err := reports.Write(&buf, reports.FormatXLSX, f.Doc("UBND Phường 1"), "", f); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&buf, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	sheet := book.GetSheetList()[0]
	merged, _ := book.GetMergeCells(sheet)
	var spans []string
	for _, m := range merged {
		spans = append(spans, m.GetCellValue()+"@"+m.GetStartAxis()+":"+m.GetEndAxis())
	}
	joined := strings.Join(spans, " ")
	for _, wantSpan := range []string{"Số hồ sơ nhận giải quyết@C", "Kết quả giải quyết: số hồ sơ đã giải quyết@G", "Số hồ sơ đang giải quyết@K"} {
		if !strings.Contains(joined, wantSpan) {
			t.Errorf("merged header %q missing: %s", wantSpan, joined)
		}
	}
	rows, _ := book.GetRows(sheet, excelize.Options{RawCellValue: true})
	if rows[0][0] != reports.Form06Number+": "+reports.Form06Title {
		t.Errorf("the title row: %q", rows[0][0])
	}
	found := false
	for _, r := range rows {
		if len(r) > 12 && r[1] == "Tổng số" && r[2] == "8" && r[6] == "5" && r[10] == "3" && r[12] == "1" {
			found = true
		}
	}
	if !found {
		t.Errorf("no total row 8 … 5 … 3 … 1 in %q", rows)
	}
}

// TestReportsOfTheDemo2022: the levels of form 06 for the demo's 2022 hold
// the seed's figures (FIGURES.md), and the report text every number of the
// seed's results paragraphs and its rating sentence.
func TestReportsOfTheDemo2022(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	evs, err := demo.Generate(cat, cat.Calendar(), demo.Config{Seed: 1, Now: time.Date(2026, 11, 27, 10, 0, 0, 0, motcua.Location)})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(evs); i += 50_000 {
		if _, err := wh.InsertEvents(ctx, evs[i:min(i+50_000, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wh.RefoldAll(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	year, _ := motcua.NewPeriod(motcua.PeriodYear, 2022, 0, false)
	f, err := reports.BuildForm06(ctx, wh, cat, year, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]reports.Form06Row{}
	for _, r := range f.Rows {
		if r.STT == "I" || r.STT == "II" || r.STT == "III" {
			levels[r.Level] = r
		}
	}
	town := reports.Form06Row{STT: "I", Field: "Cấp thị xã", Level: "town", Received: 2329, Online: 1144, DirectPostal: 1153, CarriedOver: 32,
		Resolved: 2295, Early: 1049, OnTime: 1210, Late: 36, InProgress: 34, WithinDue: 34}
	if got := levels["town"]; got != town {
		t.Errorf("the town:\n got %+v\nwant %+v", got, town)
	}
	if c := levels["commune"]; c.Received != 29791 || c.Online != 12759 || c.DirectPostal != 17022 || c.CarriedOver != 10 ||
		c.Resolved != 29791 || c.Early != 21020 || c.OnTime != 8771 || c.Late != 0 {
		t.Errorf("the communes and wards: %+v", c)
	}
	if s := levels["sector"]; s.Received != 18984 || s.OnTime != 18984 {
		t.Errorf("the sector agencies: %+v", s)
	}
	text, err := reports.BuildText(ctx, wh, cat, year, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkText(t, text.String())
}

func checkText(t *testing.T, text string) {
	t.Helper()
	for _, want := range []string{
		"Báo cáo số 377/BC-UBND ngày 27/12/2022", "được đánh giá loại xuất sắc", "07/07 xã, phường trên địa bàn đạt loại tốt",
		// The town's one-stop shop.
		"Tại Bộ phận Một cửa thị xã: Tổng số hồ sơ thủ tục hành chính đã tiếp nhận trong năm là 2.329 hồ sơ",
		"số mới tiếp nhận trong kỳ 2.297 hồ sơ", "trực tuyến mức độ 3, 4: 1.144 hồ sơ, chiếm 49,1%, chỉ tiêu giao là 40%",
		"trực tiếp và qua dịch vụ bưu chính: 1.153 hồ sơ", "số từ kỳ trước chuyển qua: 32 hồ sơ",
		"đã giải quyết: 2.295 hồ sơ", "trước hạn: 1.049 hồ sơ, đạt 45,7%", "đúng hạn: 1.210 hồ sơ, chiếm 52,72%",
		// The article's 1.58% is its slip: 36 / 2,295 is 1.57% (FIGURES.md).
		"quá hạn: 36 hồ sơ, chiếm 1,57%",
		// The communes and wards.
		"Tại Bộ phận Một cửa các xã, phường: Tổng số hồ sơ thủ tục hành chính đã tiếp nhận trong năm là 29.791 hồ sơ",
		"số mới tiếp nhận trong kỳ 29.781 hồ sơ", "1: 12.759 hồ sơ, chiếm 42,8%, chỉ tiêu giao là 35%",
		"trực tiếp và qua dịch vụ bưu chính: 17.022 hồ sơ", "số từ kỳ trước chuyển qua: 10 hồ sơ", "đã giải quyết: 29.791 hồ sơ",
		"trước hạn: 21.020 hồ sơ, đạt 70,56%", "đúng hạn: 8.771 hồ sơ, chiếm 29,44%", "không có hồ sơ quá hạn",
		// The sector agencies.
		"Tổng số hồ sơ tiếp nhận 18.984 hồ sơ, đã giải quyết đúng hạn 100%",
	} {
		want = strings.Replace(want, "1: 12.759", "trực tuyến mức độ 3, 4: 12.759", 1)
		if !strings.Contains(text, want) {
			t.Errorf("the report text lacks %q", want)
		}
	}
	t.Logf("the text:\n%s", text)
}

// TestReportFilesConvertInLibreOffice converts form 06 and a weekly report
// to PDF with LibreOffice, as a unit filing them would print them.
func TestReportFilesConvertInLibreOffice(t *testing.T) {
	lo := exporttest.LibreOffice(t)
	march, _ := motcua.NewPeriod(motcua.PeriodMonth, 2024, 3, true)
	f := &reports.Form06{Period: march.Label(), From: "15/02/2024", To: "14/03/2024",
		Total: reports.Form06Row{Field: "Tổng số", Received: 3, Online: 1, DirectPostal: 2, Resolved: 2, OnTime: 2, InProgress: 1, WithinDue: 1},
		Rows:  []reports.Form06Row{{STT: "I", Field: "Cấp xã, phường", Received: 3}, {STT: "1", Field: "Hộ tịch", Received: 3}}}
	week, _ := reports.ParseWeek("2024-W10")
	w := &reports.Weekly{Week: week.String(), Label: week.Label(), WorkingDays: 5, Note: "Chỉ tiêu tuần theo số ngày làm việc.",
		Units: []reports.UnitWeek{{Unit: "P1", Name: "UBND Phường 1", Received: 4, Online: 3,
			Officials: []reports.OfficialWeek{{Official: "CB.P1.01", Name: "Sơn Ngọc Uyên", Received: 4, Online: 3, Target: 10, By: -7, Rank: 1}}}}}
	for name, doc := range map[string]*export.Doc{"form06": f.Doc("UBND Phường 1"), "weekly": w.Doc("Báo cáo tuần")} {
		in := filepath.Join(t.TempDir(), name+".xlsx")
		var buf bytes.Buffer
		if err := export.WriteXLSX(&buf, doc); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out := exporttest.Convert(t, lo, in, "pdf")
		pdf, err := os.ReadFile(filepath.Join(out, name+".pdf"))
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("%s: no PDF (%v)", name, err)
		}
	}
}
