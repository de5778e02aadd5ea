package export_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/export"
	"github.com/motcua/motcua/export/exporttest"
)

var (
	libreOffice = exporttest.LibreOffice
	convert     = exporttest.Convert
)

// readCSV reads a CSV file that LibreOffice wrote.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("cannot parse %s: %v", filepath.Base(path), err)
	}
	return recs
}

// TestLibreOfficeXLSX opens the workbook in LibreOffice, saves its sheets as
// CSV with the values as LibreOffice reads them, and checks the figures, the
// names and the header; then prints it as PDF.
func TestLibreOfficeXLSX(t *testing.T) {
	lo := libreOffice(t)
	d := testDoc()
	in := filepath.Join(t.TempDir(), "tong-quan.xlsx")
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Comma, double quote, UTF-8, English (US) numbers, values not as
	// shown, every sheet to its own file.
	out := convert(t, lo, in, "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,false,false,false,false,-1")
	sheets := export.SheetNames(d.Tables)
	units := readCSV(t, filepath.Join(out, "tong-quan-"+sheets[0]+".csv"))
	want := [][]string{
		{"Tổng quan: Thị xã Duyên Hải"},
		{"Kỳ: Năm 2022 (01/01/2022 – 31/12/2022)"},
		{"Lọc: kênh trực tuyến"},
		{"Kết quả giải quyết theo đơn vị"},
		{""},
		{"STT", "Đơn vị", "Số hồ sơ tiếp nhận", "", "", "Số hồ sơ đã giải quyết", "", "", "", "Điểm đánh giá tiến độ"},
		{"", "", "Tổng số", "Trực tuyến", "Tỷ lệ trực tuyến", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", ""},
		{"1", "Văn phòng HĐND và UBND", "2329", "1144", "49.1%", "2295", "1049", "1210", "36", "17.5"},
		{"2", "Ủy ban nhân dân xã Trường Long Hòa", "12345", "6000", "48.6%", "12345", "9000", "3345", "0", "20"},
		{"3", "Phường 1", "7", "0", "0%", "7", "7", "0", "0", ""},
		{"4", injection, "1", "1", "100%", "1", "0", "1", "0", "18.25"},
		{"", "Tổng cộng", "14682", "7145", "48.7%", "14648", "10056", "4556", "36", ""},
	}
	checkRecords(t, sheets[0], units, want)
	dossiers := readCSV(t, filepath.Join(out, "tong-quan-"+sheets[1]+".csv"))
	checkRecords(t, sheets[1], dossiers[5:], [][]string{
		{"Mã hồ sơ", "Thủ tục", "Ngày tiếp nhận", "Hạn giải quyết", "Số ngày làm việc quá hạn"},
		{"000.00.07.H59-221227-0001", "Đăng ký khai sinh", "12/27/2022", "12/29/2022 08:30:00", "2.5"},
		{"-12", "+ Chứng thực bản sao", "01/03/2022", "01/04/2023 17:00:00", "-1"},
	})

	out = convert(t, lo, in, "pdf")
	pdf, err := os.ReadFile(filepath.Join(out, "tong-quan.pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("libreoffice --convert-to pdf wrote no PDF (%v)", err)
	}
}

// TestLibreOfficeCSV imports the CSV files into LibreOffice as an
// English-locale spreadsheet would and checks that numbers and dates come
// in as numbers; with a Vietnamese locale, counts and dates still do.
func TestLibreOfficeCSV(t *testing.T) {
	lo := libreOffice(t)
	d := testDoc()
	dir := t.TempDir()
	for _, tb := range d.Tables[:2] {
		var buf bytes.Buffer
		if err := export.WriteCSV(&buf, tb); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, tb.Name+".csv"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type cell struct {
		ref, raw string
		number   bool
	}
	f := func(lang, name string, want []cell) {
		t.Helper()
		out := convert(t, lo, filepath.Join(dir, name+".csv"), "xlsx", "--infilter=Text - txt - csv (StarCalc):44,34,76,1,,"+lang)
		x, err := excelize.OpenFile(filepath.Join(out, name+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sh := x.GetSheetList()[0]
		for _, c := range want {
			raw, _ := x.GetCellValue(sh, c.ref, excelize.Options{RawCellValue: true})
			typ, _ := x.GetCellType(sh, c.ref)
			isNum := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
			if raw != c.raw || isNum != c.number {
				t.Fatalf("language %s, %s!%s = %q (a number: %v), want %q (a number: %v)", lang, name, c.ref, raw, isNum, c.raw, c.number)
			}
		}
		if lang == "1066" && name == "units" {
			raw, _ := x.GetCellValue(sh, "E2", excelize.Options{RawCellValue: true})
			typ, _ := x.GetCellType(sh, "E2")
			t.Logf("language vi-VN reads the share 49.1 as %q of type %v", raw, typ)
		}
	}
	f("1033", "units", []cell{
		{"B2", "Văn phòng HĐND và UBND", false}, {"C2", "2329", true}, {"E2", "49.1", true}, {"J2", "17.5", true},
		{"B3", "Ủy ban nhân dân xã Trường Long Hòa", false}, {"C3", "12345", true},
		{"B5", "'" + injection, false}, {"C6", "14682", true}, {"E6", "48.7", true},
	})
	f("1033", "open_dossiers", []cell{{"C2", "44922", true}, {"D2", "44924.3541666667", true}, {"E2", "2.5", true}, {"A3", "'-12", false}})
	f("1066", "units", []cell{{"C2", "2329", true}, {"C6", "14682", true}, {"B3", "Ủy ban nhân dân xã Trường Long Hòa", false}})
	f("1066", "open_dossiers", []cell{{"C2", "44922", true}, {"D2", "44924.3541666667", true}})
}

func checkRecords(t *testing.T, sheet string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("sheet %q has %d rows, want %d: %q", sheet, len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		for len(g) > len(want[i]) && g[len(g)-1] == "" {
			g = g[:len(g)-1]
		}
		if strings.Join(g, "|") != strings.Join(want[i], "|") {
			t.Fatalf("sheet %q, row %d:\n got %q\nwant %q", sheet, i+1, g, want[i])
		}
	}
}
