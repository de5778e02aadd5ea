package dashboards_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/browsertest"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestInTheBrowser runs motcua whole on the demo data, logs in through the
// form in Chromium and opens the overview, a unit, a procedure, an official,
// a dossier list and a dossier: every chart draws, no request leaves the
// machine and the console logs no error. Screenshots are kept as
// artefacts. Then the roles: a head sees their unit and gets 403 for
// another's pages, lists, exports, dossiers and API answers; nobody gets
// anything without logging in.
func TestInTheBrowser(t *testing.T) {
	b := browsertest.New(t)
	wh := warehousetest.Open(t)
	ctx := t.Context()
	srv := server.New(server.Config{Listen: "127.0.0.1:0", Ingest: ingest.Config{Tokens: map[string]string{"demo-token": "demo"}},
		Users: accesstest.Users(t, "TX.MC", "LH")}, wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	base := "http://" + srv.Addr()
	cat, cal := srv.Figures().Catalog(), srv.Figures().Calendar()
	evs, err := demo.Generate(cat, cal, demo.Config{Seed: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, base, "demo-token", evs, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// Without a session: pages go to the login form, the API answers 401.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/": 303, "/units/LH": 303, "/dossiers?figure=new": 303, "/?format=xlsx": 303,
		"/api/v1/summary?from=2022-01-01&to=2022-12-31": 401, "/static/echarts/echarts.min.js": 200} {
		resp, err := noRedirect.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without a session: %d, want %d", path, resp.StatusCode, want)
		}
	}

	if err := b.Login(base, accesstest.LeaderLogin, accesstest.LeaderPassword); err != nil {
		t.Fatal(err)
	}
	year := "period=year&year=2022"
	for _, pg := range []struct{ name, path string }{
		{"overview", "/?" + year},
		{"overview-communes", "/?" + year + "&level=commune"},
		{"unit", "/units/TX.MC?" + year},
		{"procedure", "/procedures/TX.002?" + year},
		{"official", "/officials/CB.TX.MC.01?period=quarter&year=2022&n=4"},
		{"list", "/dossiers?" + year + "&figure=late"},
		{"dossier", "/dossiers/" + url.PathEscape(evs[0].DossierID)},
		{"report-weekly", "/reports/weekly?week=2022-W10"},
		{"report-form06", "/reports/form06?" + year},
		{"report-text", "/reports/text?" + year},
	} {
		p, err := b.Visit(base + pg.path)
		if err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		if p.Status() != 200 || !strings.HasPrefix(p.URL(), base+"/") || strings.Contains(p.URL(), "/login") {
			t.Errorf("%s: status %d at %s", pg.name, p.Status(), p.URL())
		}
		charts := p.Charts()
		if pg.name == "report-text" && !strings.Contains(p.Text(), "Tổng số hồ sơ thủ tục hành chính đã tiếp nhận trong năm là 2.329 hồ sơ") {
			t.Errorf("the report text lacks the town's figures: %.500s", p.Text())
		}
		if pg.name == "report-form06" && !strings.Contains(p.Text(), "Số hồ sơ nhận giải quyết") {
			t.Errorf("form 06 lacks its header: %.500s", p.Text())
		}
		if !strings.HasPrefix(pg.name, "report") && pg.name != "list" && pg.name != "dossier" && len(charts) < 4 {
			t.Errorf("%s: %d charts", pg.name, len(charts))
		}
		for _, c := range charts {
			if c.Width == 0 || c.Height == 0 {
				t.Errorf("%s: chart %s has no canvas", pg.name, c.ID)
			}
		}
		if f := p.ForeignRequests(); len(f) > 0 {
			t.Errorf("%s: requests to other hosts: %q", pg.name, f)
		}
		if e := p.ConsoleErrors(); len(e) > 0 {
			t.Errorf("%s: console errors: %q", pg.name, e)
		}
		if err := p.Screenshot(pg.name); err != nil {
			t.Error(err)
		}
		if pg.name == "overview" {
			if err := p.Print(pg.name); err != nil {
				t.Error(err)
			}
		}
		p.Close()
	}

	// A head: their unit yes, another's no, on every kind of answer.
	head := accesstest.Head("LH")
	as := func(path string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth(head, accesstest.Password(head))
		// Pages take the session only; Basic is for the API.
		if !strings.HasPrefix(path, "/api/") {
			req.Header.Set("Cookie", loginCookie(t, base, head))
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var other string // a dossier received by the town one-stop shop
	for _, e := range evs {
		if e.Unit == "TX.MC" {
			other = e.DossierID
			break
		}
	}
	var own string
	for _, e := range evs {
		if e.Unit == "LH" {
			own = e.DossierID
			break
		}
	}
	for path, want := range map[string]int{
		"/?" + year:                                                200,
		"/units/LH?" + year:                                        200,
		"/dossiers?figure=new&" + year:                             200,
		"/dossiers/" + url.PathEscape(own):                         200,
		"/units/TX.MC?" + year:                                     403,
		"/?unit=TX.MC&" + year:                                     403,
		"/?unit=TX.MC&format=xlsx&" + year:                         403,
		"/units/TX.MC?format=csv&table=units":                      403,
		"/dossiers?figure=new&unit=TX.MC":                          403,
		"/dossiers/" + url.PathEscape(other):                       403,
		"/officials/CB.TX.MC.01?" + year:                           403,
		"/api/v1/summary?from=2022-01-01&to=2022-12-31&unit=TX.MC": 403,
		"/api/v1/dossiers/" + url.PathEscape(other):                403,
		"/api/v1/summary?from=2022-01-01&to=2022-12-31&unit=LH":    200,
		"/reports/weekly?week=2022-W10":                            200,
		"/reports/weekly?week=2022-W10&unit=TX.MC":                 403,
		"/reports/form06?" + year + "&format=xlsx":                 200,
		"/reports/form06?unit=TX.MC&" + year:                       403,
		"/reports/text?unit=TX&" + year:                            403,
		"/reports/weekly?week=2022-10":                             400,
	} {
		if got := as(path); got != want {
			t.Errorf("the head of LH, GET %s: %d, want %d", path, got, want)
		}
	}
}

// loginCookie logs login in through the form and returns its session
// cookie as a Cookie header.
func loginCookie(t *testing.T, base, login string) string {
	t.Helper()
	form := url.Values{"login": {login}, "password": {accesstest.Password(login)}, "next": {"/"}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		t.Fatalf("login of %s: %d, no cookie", login, resp.StatusCode)
	}
	return strings.Join(parts, "; ")
}
