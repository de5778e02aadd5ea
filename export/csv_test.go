package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/motcua/motcua/export"
)

func TestWriteCSV(t *testing.T) {
	d := testDoc()
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, d.Tables[0]); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("the CSV does not start with a UTF-8 byte-order mark: %q", b[:min(len(b), 10)])
	}
	if n, crlf := bytes.Count(b, []byte("\n")), bytes.Count(b, []byte("\r\n")); n != 6 || crlf != n {
		t.Fatalf("the CSV has %d line ends, %d of them CRLF; want 6 CRLF", n, crlf)
	}
	got, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatalf("cannot parse the CSV: %v", err)
	}
	want := [][]string{
		{"STT", "Đơn vị", "Tổng số", "Trực tuyến", "Tỷ lệ trực tuyến", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Điểm đánh giá tiến độ"},
		{"1", "Văn phòng HĐND và UBND", "2329", "1144", "49.1", "2295", "1049", "1210", "36", "17.5"},
		{"2", "Ủy ban nhân dân xã Trường Long Hòa", "12345", "6000", "48.6", "12345", "9000", "3345", "0", "20.0"},
		{"3", "Phường 1", "7", "0", "0.0", "7", "7", "0", "0", ""},
		{"4", "'" + injection, "1", "1", "100.0", "1", "0", "1", "0", "18.25"},
		{"", "Tổng cộng", "14682", "7145", "48.7", "14648", "10056", "4556", "36", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("the CSV has %d records, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("record %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}

	buf.Reset()
	if err := export.WriteCSV(&buf, d.Tables[1]); err != nil {
		t.Fatal(err)
	}
	got, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("cannot parse the CSV: %v", err)
	}
	want = [][]string{
		{"Mã hồ sơ", "Thủ tục", "Ngày tiếp nhận", "Hạn giải quyết", "Số ngày làm việc quá hạn"},
		{"000.00.07.H59-221227-0001", "Đăng ký khai sinh", "2022-12-27", "2022-12-29 08:30", "2.5"},
		{"'-12", "'+ Chứng thực bản sao", "2022-01-03", "2023-01-04 17:00", "-1.0"},
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("record %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
}

// TestCSVInjection checks that no text field that begins with what starts a
// formula reaches the file unguarded, titles included.
func TestCSVInjection(t *testing.T) {
	for _, s := range []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", injection} {
		tb := &export.Table{
			Name:    "t",
			Columns: []export.Column{{Title: s, Kind: export.Text}, {Title: "n", Kind: export.Number}},
			Rows:    [][]export.Cell{{{Value: s}, {Value: -1.5}}},
		}
		var buf bytes.Buffer
		if err := export.WriteCSV(&buf, tb); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if want := "'" + s; rec[0] != want {
				t.Fatalf("field %q written as %q, want %q", s, rec[0], want)
			}
		}
		if recs[1][1] != "-1.5" {
			t.Fatalf("number -1.5 written as %q, want it unguarded", recs[1][1])
		}
	}
}
