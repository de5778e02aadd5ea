package dashboards_test

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// everyPageAndExportAnswers opens each page, its XLSX and each of its
// tables as CSV; and asks for what is not there.
func everyPageAndExportAnswers(t *testing.T, s *httptest.Server) {
	year := "period=year&year=2022"
	for _, path := range []string{
		"/?" + year, "/?" + year + "&level=commune&channel=online", "/?period=nine_months&year=2022&basis=official",
		"/?period=custom&from=2022-03-01&to=2022-05-31",
		"/units/TX?" + year, "/units/LH?period=half&year=2022&n=2",
		"/procedures/TX.002?" + year, "/officials/CB.TX.MC.01?period=month&year=2022&n=12",
		"/dossiers?figure=late&" + year, "/dossiers?figure=approaching_now&" + year + "&page=1",
	} {
		code, body, hdr := get(t, s.URL+path)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, `<form class="picker"`) {
			t.Errorf("%s: %d %s", path, code, hdr.Get("Content-Type"))
			continue
		}
		tables, _ := pageTables(body)
		code, file, hdr := get(t, s.URL+path+"&format=xlsx")
		if code != 200 || hdr.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			hdr.Get("Cache-Control") != "no-store" || hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s as XLSX: %d %s", path, code, hdr.Get("Content-Type"))
			continue
		}
		book, err := excelize.OpenReader(bytes.NewReader([]byte(file)))
		if err != nil {
			t.Fatalf("%s as XLSX: %v", path, err)
		}
		if n := len(book.GetSheetList()); n != len(tables) {
			t.Errorf("%s: %d sheets for %d tables", path, n, len(tables))
		}
		for name := range tables {
			code, text, hdr := get(t, s.URL+path+"&format=csv&table="+name)
			if code != 200 || !strings.HasPrefix(text, "\ufeff") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") ||
				!strings.Contains(hdr.Get("Content-Disposition"), name+".csv") {
				t.Errorf("%s table %s as CSV: %d %q %q", path, name, code, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"))
			}
		}
	}
	// A dossier's timeline.
	_, list, _ := get(t, s.URL+"/dossiers?figure=late&"+year)
	m := listRow.FindString(list)
	if m == "" {
		t.Fatal("the list of late dossiers links to none")
	}
	href := strings.TrimSuffix(strings.TrimPrefix(m, `<a href="`), `">`)
	if code, body, _ := get(t, s.URL+href); code != 200 || !strings.Contains(body, "Tiếp nhận") || !strings.Contains(body, "quá hạn") {
		t.Errorf("%s: %d", href, code)
	}
	// The static files, but no listing of their folders.
	for path, want := range map[string]int{"/static/motcua/motcua.js": 200, "/static/echarts/echarts.min.js": 200, "/static/motcua/": 404, "/static/echarts/": 404} {
		if code, _, _ := get(t, s.URL+path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
	// What is not there, or not right, says so.
	for path, want := range map[string]struct {
		code int
		says string
	}{
		"/dossiers?figure=bogus&" + year:                {400, `figure=&#34;bogus&#34;`},
		"/?unit=NOPE&" + year:                           {400, `unit=&#34;NOPE&#34;: no such unit`},
		"/?period=month&year=2022&n=13":                 {400, "month 13"},
		"/?period=custom&from=2022-05-01&to=2022-04-01": {400, "is before"},
		"/?year=22x":                              {400, `year=&#34;22x&#34;`},
		"/units/NOPE":                             {404, "Không có đơn vị"},
		"/procedures/NOPE":                        {404, "Không có thủ tục"},
		"/officials/NOPE":                         {404, "Không có công chức"},
		"/dossiers/NO-SUCH-DOSSIER":               {404, "Không có hồ sơ"},
		"/dossiers?figure=new&page=99999&" + year: {404, "Trang 99999"},
		"/?" + year + "&format=pdf":               {400, `format=&#34;pdf&#34;`},
		"/?" + year + "&format=csv&table=nope":    {400, "units"},
	} {
		code, body, hdr := get(t, s.URL+path)
		if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: the error page lacks its headers: %v", path, hdr)
		}
		if code != want.code || !strings.Contains(body, want.says) {
			t.Errorf("%s: %d, want %d saying %q\n%.400s", path, code, want.code, want.says, body[strings.Index(body, "<main>"):])
		}
	}
}
