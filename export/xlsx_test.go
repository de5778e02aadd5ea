package export_test

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/export"
)

// writeXLSX writes d and opens the result with excelize.
func writeXLSX(t *testing.T, d *export.Doc) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("cannot open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

func TestWriteXLSX(t *testing.T) {
	f, _ := writeXLSX(t, testDoc())
	sheets := f.GetSheetList()
	wantSheets := []string{"Kết quả giải quyết theo đơn vị", "Hồ sơ đang giải quyết quá hạn t", "kết quả giải quyết theo đơn (2)"}
	if !slices.Equal(sheets, wantSheets) {
		t.Fatalf("sheets %q, want %q", sheets, wantSheets)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Title != "Tổng quan: Thị xã Duyên Hải" || props.Creator != "motcua" {
		t.Fatalf("document properties %+v, %v", props, err)
	}
	sh := sheets[0]
	get := func(cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sh, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	shown := func(cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sh, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	style := func(cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle(sh, cell)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	numFmt := func(cell string) string {
		t.Helper()
		s := style(cell)
		if s.CustomNumFmt == nil {
			return "builtin " + strconv.Itoa(s.NumFmt)
		}
		return *s.CustomNumFmt
	}
	// Title, lines, table title, blank row.
	for cell, want := range map[string]string{
		"A1": "Tổng quan: Thị xã Duyên Hải",
		"A2": "Kỳ: Năm 2022 (01/01/2022 – 31/12/2022)",
		"A3": "Lọc: kênh trực tuyến",
		"A4": "Kết quả giải quyết theo đơn vị",
		"A5": "",
	} {
		if got := get(cell); got != want {
			t.Fatalf("%s = %q, want %q", cell, got, want)
		}
	}
	if s := style("A1"); !s.Font.Bold || s.Font.Size <= 12 {
		t.Fatalf("the title's font %+v, want bold and larger than 12", s.Font)
	}
	// The two header rows and their merged cells.
	for cell, want := range map[string]string{
		"A6": "STT", "B6": "Đơn vị", "C6": "Số hồ sơ tiếp nhận", "F6": "Số hồ sơ đã giải quyết",
		"J6": "Điểm đánh giá tiến độ", "C7": "Tổng số", "E7": "Tỷ lệ trực tuyến", "I7": "Quá hạn",
	} {
		if got := get(cell); got != want {
			t.Fatalf("%s = %q, want %q", cell, got, want)
		}
	}
	merged, err := f.GetMergeCells(sh)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, m := range merged {
		refs = append(refs, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	slices.Sort(refs)
	if want := []string{"A6:A7", "B6:B7", "C6:E6", "F6:I6", "J6:J7"}; !slices.Equal(refs, want) {
		t.Fatalf("merged cells %q, want %q", refs, want)
	}
	if s := style("C6"); !s.Font.Bold || s.Alignment == nil || s.Alignment.Horizontal != "center" || !s.Alignment.WrapText || len(s.Border) != 4 {
		t.Fatalf("header style %+v %+v", s.Font, s.Alignment)
	}
	if s := style("D6"); len(s.Border) != 4 {
		t.Fatalf("a merged header cell has %d borders, want 4", len(s.Border))
	}
	// Data: numbers as numbers, with their formats.
	for cell, want := range map[string]string{
		"A8": "1", "B8": "Văn phòng HĐND và UBND", "C8": "2329", "D8": "1144", "E8": "0.491", "J8": "17.5",
		"B9": "Ủy ban nhân dân xã Trường Long Hòa", "C9": "12345", "E9": "0.486",
		"E10": "0", "J10": "", "E11": "1",
		"B12": "Tổng cộng", "C12": "14682", "E12": "0.487", "A12": "",
	} {
		if got := get(cell); got != want {
			t.Fatalf("%s = %q, want %q", cell, got, want)
		}
	}
	for _, cell := range []string{"A8", "C8", "D8", "E8", "J8", "C12", "E12"} {
		if typ, _ := f.GetCellType(sh, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Fatalf("%s has type %v, want a number", cell, typ)
		}
	}
	for cell, want := range map[string]string{
		"C8": "#,##0", "I8": "#,##0", "E8": "0.0%", "J8": "#,##0.0", "J11": "#,##0.00", "C12": "#,##0", "E12": "0.0%",
	} {
		if got := numFmt(cell); got != want {
			t.Fatalf("%s has number format %q, want %q", cell, got, want)
		}
	}
	if got := shown("E8"); got != "49.1%" {
		t.Fatalf("E8 shows %q, want 49.1%%", got)
	}
	if s := style("C12"); !s.Font.Bold {
		t.Fatal("the footer is not bold")
	}
	// Every written cell in Times New Roman.
	for _, cell := range []string{"A1", "A2", "A4", "A6", "C7", "B8", "C8", "E8", "B12"} {
		if s := style(cell); s.Font == nil || s.Font.Family != "Times New Roman" {
			t.Fatalf("%s has font %+v, want Times New Roman", cell, s.Font)
		}
	}
	if s := style("B8"); s.Font.Size != 12 {
		t.Fatalf("B8 font size %v, want 12", s.Font.Size)
	}
	if font, _ := f.GetDefaultFont(); font != "Times New Roman" {
		t.Fatalf("default font %q", font)
	}
	// Frozen below the header.
	panes, err := f.GetPanes(sh)
	if err != nil || !panes.Freeze || panes.YSplit != 7 || panes.XSplit != 0 || panes.TopLeftCell != "A8" {
		t.Fatalf("panes %+v, %v; want frozen below row 7", panes, err)
	}
	// Widths: the long unit name fits; short numbers keep a narrow column.
	wB, _ := f.GetColWidth(sh, "B")
	wC, _ := f.GetColWidth(sh, "C")
	if wB < float64(len([]rune("Ủy ban nhân dân xã Trường Long Hòa"))) || wB > 50 {
		t.Fatalf("column B is %v wide, want room for the longest unit name", wB)
	}
	if wC <= 8.43 || wC >= wB {
		t.Fatalf("column C is %v wide", wC)
	}
	// The header repeats on printed pages.
	found := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sh {
			found = dn.RefersTo == "'"+sh+"'!$6:$7"
		}
	}
	if !found {
		t.Fatalf("no print titles for rows 6:7: %+v", f.GetDefinedName())
	}

	// The second sheet: dates and times as Excel dates, one header row.
	sh = sheets[1]
	for cell, want := range map[string]string{
		"A4": "Hồ sơ đang giải quyết: quá hạn [trước], sắp đến hạn / còn hạn",
		"A6": "Mã hồ sơ", "C7": "44922", "D7": "44924.3541666667", "E7": "2.5", "A8": "-12", "E8": "-1",
	} {
		if got := get(cell); got != want {
			t.Fatalf("%s!%s = %q, want %q", sh, cell, got, want)
		}
	}
	for cell, want := range map[string]string{"C7": "27/12/2022", "D7": "29/12/2022 08:30", "D8": "04/01/2023 17:00"} {
		if got := shown(cell); got != want {
			t.Fatalf("%s!%s shows %q, want %q", sh, cell, got, want)
		}
	}
	for cell, want := range map[string]string{"C7": "dd/mm/yyyy", "D7": "dd/mm/yyyy hh:mm"} {
		if got := numFmt(cell); got != want {
			t.Fatalf("%s!%s has number format %q, want %q", sh, cell, got, want)
		}
	}
	if panes, _ := f.GetPanes(sh); panes.YSplit != 6 {
		t.Fatalf("%s: panes %+v, want frozen below row 6", sh, panes)
	}
}

// TestXLSXInjection checks that text that begins like a formula is stored as
// a string, never as a formula.
func TestXLSXInjection(t *testing.T) {
	d := testDoc()
	f, raw := writeXLSX(t, d)
	sh := f.GetSheetList()[0]
	for _, cell := range []string{"B11"} {
		v, _ := f.GetCellValue(sh, cell)
		if v != injection {
			t.Fatalf("%s = %q, want %q", cell, v, injection)
		}
		if typ, _ := f.GetCellType(sh, cell); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Fatalf("%s has type %v, want a string", cell, typ)
		}
		if fm, _ := f.GetCellFormula(sh, cell); fm != "" {
			t.Fatalf("%s holds the formula %q", cell, fm)
		}
	}
	sh = f.GetSheetList()[1]
	for _, cell := range []string{"A8", "B8"} {
		if fm, _ := f.GetCellFormula(sh, cell); fm != "" {
			t.Fatalf("%s holds the formula %q", cell, fm)
		}
	}
	if bytes.Contains(raw, []byte("<f>")) {
		t.Fatal("the workbook holds a formula")
	}
}

func TestWriteXLSXWidth(t *testing.T) {
	d := testDoc()
	d.Tables[0].Columns[1].Width = 20
	f, _ := writeXLSX(t, d)
	if w, _ := f.GetColWidth(f.GetSheetList()[0], "B"); w != 20 {
		t.Fatalf("column B is %v wide, want the column's Width 20", w)
	}
}

func TestWriteNamesTheCell(t *testing.T) {
	d := testDoc()
	d.Tables[0].Rows[2][3].Value = "x"
	want := `cannot write table "units": row 3, column "Trực tuyến": want a count (a non-negative integer), got string "x"`
	var buf bytes.Buffer
	err := export.WriteXLSX(&buf, d)
	if err == nil || err.Error() != want {
		t.Fatalf("WriteXLSX: got %v, want %q", err, want)
	}
	var te *export.TableError
	if !errors.As(err, &te) || te.Row != 3 || te.Column != "Trực tuyến" {
		t.Fatalf("WriteXLSX: got %#v, want a *TableError for row 3", err)
	}
	err = export.WriteCSV(&buf, d.Tables[0])
	if err == nil || err.Error() != want {
		t.Fatalf("WriteCSV: got %v, want %q", err, want)
	}
	if err := export.WriteXLSX(&buf, &export.Doc{Title: "x"}); err == nil || !strings.Contains(err.Error(), "no table") {
		t.Fatalf("WriteXLSX of no table: got %v", err)
	}
}

func TestSheetNames(t *testing.T) {
	f := func(titles []string, want ...string) {
		t.Helper()
		var tables []*export.Table
		for i, title := range titles {
			tables = append(tables, &export.Table{Name: "t" + string(rune('a'+i)), Title: title})
		}
		got := export.SheetNames(tables)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("SheetNames(%q):\n got %q\nwant %q", titles, got, want)
		}
	}
	f([]string{"Đơn vị"}, "Đơn vị")
	f([]string{"Hồ sơ: quá hạn [trước] / sắp đến hạn?"}, "Hồ sơ quá hạn trước sắp đến hạn")
	f([]string{"Ủy ban nhân dân xã Trường Long Hòa và các phòng"}, "Ủy ban nhân dân xã Trường Long")
	f([]string{"Đơn vị", "ĐƠN VỊ", "đơn vị"}, "Đơn vị", "ĐƠN VỊ (2)", "đơn vị (3)")
	f([]string{"Ủy ban nhân dân xã Trường Long Hòa", "Ủy ban nhân dân xã Trường Long Hòa"},
		"Ủy ban nhân dân xã Trường Long", "Ủy ban nhân dân xã Trường L (2)")
	f([]string{"", "::", "'Tổng'"}, "ta", "tb", "Tổng")
	f([]string{"History"}, "History (2)")
	f([]string{"Pha\u0300n"}, "Phàn") // NFD to NFC
}

// TestXLSXShowsThePage checks that every cell of every sheet shows what
// FormatCell writes on the page, with the separators of an English locale
// (excelize formats as en-US does; Excel in Vietnamese shows the page's).
func TestXLSXShowsThePage(t *testing.T) {
	d := testDoc()
	f, _ := writeXLSX(t, d)
	swap := strings.NewReplacer(".", ",", ",", ".")
	for i, tb := range d.Tables {
		sh := f.GetSheetList()[i]
		first := 2 + len(d.Lines) + 2 + 1 // the first data row
		if len(tb.Groups) > 0 {
			first++
		}
		rows := tb.Rows
		if len(tb.Footer) > 0 {
			rows = append(rows, tb.Footer)
		}
		for r, row := range rows {
			for j, c := range row {
				ref, _ := excelize.CoordinatesToCellName(j+1, first+r)
				got, err := f.GetCellValue(sh, ref)
				if err != nil {
					t.Fatal(err)
				}
				want := export.FormatCell(c, tb.Columns[j].Kind)
				if tb.Columns[j].Kind != export.Text {
					want = swap.Replace(want)
				}
				if got != want {
					t.Fatalf("%s!%s shows %q, the page %q", sh, ref, got, export.FormatCell(c, tb.Columns[j].Kind))
				}
			}
		}
	}
}

// TestWriteXLSXEmptyCells writes an empty cell of every kind: a dossier
// list has dossiers without a due or a resolution time.
func TestWriteXLSXEmptyCells(t *testing.T) {
	tb := &export.Table{Name: "empty", Title: "Ô trống", Columns: []export.Column{
		{Key: "a", Title: "A", Kind: export.Text}, {Key: "b", Title: "B", Kind: export.Count}, {Key: "c", Title: "C", Kind: export.Share},
		{Key: "d", Title: "D", Kind: export.Number}, {Key: "e", Title: "E", Kind: export.Date}, {Key: "f", Title: "F", Kind: export.Time}}}
	tb.Rows = [][]export.Cell{{{Value: "x"}, {}, {}, {}, {}, {}}}
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, &export.Doc{Title: "T", Tables: []*export.Table{tb}}); err != nil {
		t.Fatal(err)
	}
}
