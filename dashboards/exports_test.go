package dashboards_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/warehouse"
)

var (
	tableSection = regexp.MustCompile(`(?s)<section class="table-section" id="t-([a-z_]+)">.*?</section>`)
	tableRow     = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	tableCell    = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tags         = regexp.MustCompile(`<[^>]+>`)
)

var tableTitle = regexp.MustCompile(`<h2>(.*?)</h2>`)

// pageTables reads the tables of a page as the reader sees them: name →
// rows of cell texts, the footer last; and name → title.
func pageTables(body string) (map[string][][]string, map[string]string) {
	out, titles := map[string][][]string{}, map[string]string{}
	for _, sec := range tableSection.FindAllStringSubmatch(body, -1) {
		if m := tableTitle.FindStringSubmatch(sec[0]); m != nil {
			titles[sec[1]] = html.UnescapeString(m[1])
		}
		var rows [][]string
		for _, tr := range tableRow.FindAllStringSubmatch(sec[0], -1) {
			cells := tableCell.FindAllStringSubmatch(tr[1], -1)
			if len(cells) == 0 {
				continue // the header
			}
			var row []string
			for _, c := range cells {
				row = append(row, strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(c[1], ""))))
			}
			rows = append(rows, row)
		}
		out[sec[1]] = rows
	}
	return out, titles
}

// pageNumber reads a number as a page writes it (2.329; 49,1%; 1,5) in
// the units files store it (2329; 0.491 in XLSX, 49.1 in CSV; 1.5).
func pageNumber(s string, xlsx bool) (float64, bool) {
	pct := strings.HasSuffix(s, "%")
	s = strings.NewReplacer(".", "", ",", ".", "%", "").Replace(s)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	if pct && xlsx {
		v /= 100
	}
	return v, true
}

// sameCell compares a page's cell with a file's: numbers by value, text as
// is; dates and times are written apart in files and left out.
func sameCell(page, file string, xlsx bool) bool {
	if page == file {
		return true
	}
	want, ok := pageNumber(page, xlsx)
	if !ok {
		return strings.Contains(page, "/") // a date or a time
	}
	got, err := strconv.ParseFloat(file, 64)
	if err != nil {
		return false
	}
	d := want - got
	return d < 1e-9 && d > -1e-9
}

// exportsMatchThePage downloads the overview and the town one-stop shop's
// page as XLSX and each of their tables as CSV, and compares every cell
// with the page's; the totals with the summary.
func exportsMatchThePage(t *testing.T, s *httptest.Server, wh *warehouse.Warehouse) {
	for _, path := range []string{"/?period=year&year=2022", "/units/TX.MC?period=quarter&year=2022&n=4&basis=official"} {
		_, body, _ := get(t, s.URL+path)
		tables, titles := pageTables(body)
		if len(tables) < 4 {
			t.Fatalf("%s: %d tables on the page", path, len(tables))
		}
		code, file, hdr := get(t, s.URL+path+"&format=xlsx")
		if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("%s as XLSX: %d %q", path, code, hdr.Get("Content-Disposition"))
		}
		book, err := excelize.OpenReader(bytes.NewReader([]byte(file)), excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		sheets := book.GetSheetList()
		if len(sheets) != len(tables) {
			t.Fatalf("%s: %d sheets for %d tables", path, len(sheets), len(tables))
		}
		compared := 0
		for name, rows := range tables {
			// CSV: the rows after the header, as the page has them.
			code, text, _ := get(t, s.URL+path+"&format=csv&table="+name)
			if code != 200 || !strings.HasPrefix(text, "\ufeff") {
				t.Fatalf("%s table %s as CSV: %d, BOM %v", path, name, code, strings.HasPrefix(text, "\ufeff"))
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if rows[0][0] == "Không có số liệu trong kỳ." {
				rows = nil
			}
			if len(recs)-1 != len(rows) {
				t.Fatalf("%s table %s: %d CSV rows, %d on the page", path, name, len(recs)-1, len(rows))
			}
			for i, row := range rows {
				for j, cell := range row {
					if !sameCell(cell, recs[i+1][j], false) {
						t.Errorf("%s table %s row %d column %d: page %q, CSV %q", path, name, i+1, j+1, cell, recs[i+1][j])
					}
					compared++
				}
			}
			// XLSX: the sheet whose last rows are the table's.
			found := false
			for _, sh := range sheets {
				xrows, err := book.GetRows(sh, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 || len(xrows) < len(rows) {
					continue
				}
				titled := false
				for _, r := range xrows[:min(6, len(xrows))] {
					titled = titled || len(r) > 0 && r[0] == titles[name]
				}
				if !titled {
					continue
				}
				tail := xrows[len(xrows)-len(rows):]
				found = true
				for i, row := range rows {
					for j, cell := range row {
						var got string
						if j < len(tail[i]) {
							got = tail[i][j]
						}
						if !sameCell(cell, got, true) {
							t.Errorf("%s sheet %q row %d column %d: page %q, XLSX %q", path, sh, i+1, j+1, cell, got)
						}
						compared++
					}
				}
				break
			}
			if !found && len(rows) > 0 {
				t.Errorf("%s: no sheet holds table %s", path, name)
			}
		}
		if compared < 500 {
			t.Errorf("%s: only %d cells compared", path, compared)
		}
		t.Logf("%s: %d cells of the page compared with the XLSX and CSV files", path, compared)
	}
	// The overview's totals are the summary's.
	_, body, _ := get(t, s.URL+"/?period=year&year=2022")
	all, _ := pageTables(body)
	units := all["units"]
	total := units[len(units)-1]
	rows, err := wh.Summary(t.Context(), motcua.SummaryQuery{Windows: []motcua.Window{{From: time.Date(2022, 1, 1, 0, 0, 0, 0, motcua.Location),
		To: time.Date(2023, 1, 1, 0, 0, 0, 0, motcua.Location)}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]uint64{2: rows[0].Handled, 3: rows[0].New, 4: rows[0].NewOnline, 7: rows[0].Resolved, 8: rows[0].Early, 9: rows[0].OnTime, 10: rows[0].Late} {
		if total[i] != motcua.FormatCount(want) {
			t.Errorf("the units' total, column %d: %q, the summary %d", i+1, total[i], want)
		}
	}
}
