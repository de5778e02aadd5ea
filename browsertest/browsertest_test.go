package browsertest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/motcua/motcua/browsertest"
	"github.com/motcua/motcua/dashboards/assets"
)

// page is an HTML page with the given head and body.
func page(head, body string) string {
	return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>t</title>` + head + `</head><body>` + body + `</body></html>`
}

// server serves the vendored ECharts under /assets/ and one page per path.
func server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets/", http.FileServer(http.FS(assets.FS))))
	pages := map[string]string{
		"/chart": page(`<script src="/assets/echarts/echarts.min.js"></script>`,
			`<h1>Hồ sơ đúng hạn</h1><div id="bar" style="width:600px;height:300px"></div>
<script>
echarts.init(document.getElementById('bar')).setOption({
  xAxis: {type: 'category', data: ['Phường 1', 'Phường 2', 'Xã Long Hữu']},
  yAxis: {type: 'value'},
  series: [{type: 'bar', data: [120, 200, 150]}]
});
</script>`),
		"/plain":     page(``, `<p>Không có lỗi.</p>`),
		"/console":   page(``, `<script>console.error('boom', 42)</script>`),
		"/exception": page(``, `<script>throw new Error('kaput')</script>`),
		"/missing":   page(`<script src="/nope.js"></script>`, `<p>x</p>`),
		"/foreign":   page(``, `<img src="http://example.invalid/pixel.png" alt="">`),
	}
	for path, html := range pages {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, html)
		})
	}
	// A login: the form, its check, and a page that needs the session.
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page(``, `<form method="post" action="/login">
<input name="login"> <input name="password" type="password"> <button type="submit">Đăng nhập</button></form>`))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("login") != "lanhdao" || r.FormValue("password") != "mật khẩu" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, page(``, `<p>Sai mật khẩu</p>`))
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "ok", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err != nil || c.Value != "ok" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page(``, `<p>Tổng quan</p>`))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestChart(t *testing.T) {
	b := browsertest.New(t)
	ts := server(t)
	p, err := b.Visit(ts.URL + "/chart")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status() != 200 {
		t.Errorf("status %d, want 200", p.Status())
	}
	charts := p.Charts()
	if len(charts) != 1 || charts[0].ID != "bar" || charts[0].Width == 0 || charts[0].Height == 0 {
		t.Errorf("charts %+v, want one, bar, with a canvas of non-zero size", charts)
	}
	if errs := p.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("console errors on a clean page: %q", errs)
	}
	if f := p.ForeignRequests(); len(f) != 0 {
		t.Errorf("foreign requests from a page of loopback only: %q", f)
	}
	if r := p.Requests(); len(r) < 2 || r[0] != ts.URL+"/chart" || r[1] != ts.URL+"/assets/echarts/echarts.min.js" {
		t.Errorf("requests %q, want the page and echarts.min.js first", r)
	}
	if text := p.Text(); !strings.Contains(text, "Hồ sơ đúng hạn") {
		t.Errorf("text %q, want the heading with its diacritics", text)
	}

	// A container that ECharts did not draw in counts as a chart of size 0.
	if err := p.Eval(`document.body.insertAdjacentHTML('beforeend', '<div id="empty" _echarts_instance_="x"></div>')`, nil); err != nil {
		t.Fatal(err)
	}
	charts = p.Charts()
	if len(charts) != 2 || charts[1] != (browsertest.Chart{ID: "empty"}) {
		t.Errorf("charts %+v, want bar and an empty one of size 0", charts)
	}
}

func TestConsoleErrors(t *testing.T) {
	b := browsertest.New(t)
	ts := server(t)
	for _, tc := range []struct {
		path string
		want string // in one of the errors; "" for none
	}{
		{"/plain", ""},
		{"/console", "console.error: boom 42"},
		{"/exception", "Error: kaput"},
		{"/missing", "/nope.js: 404"},
	} {
		p, err := b.Visit(ts.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		errs := p.ConsoleErrors()
		t.Logf("%s: %q", tc.path, errs)
		switch {
		case tc.want == "" && len(errs) != 0:
			t.Errorf("%s: errors %q, want none", tc.path, errs)
		case tc.want != "" && !slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, tc.want) }):
			t.Errorf("%s: errors %q, want one with %q", tc.path, errs, tc.want)
		}
		p.Close()
	}
}

func TestForeignRequests(t *testing.T) {
	b := browsertest.New(t)
	ts := server(t)
	p, err := b.Visit(ts.URL + "/foreign")
	if err != nil {
		t.Fatal(err)
	}
	if f := p.ForeignRequests(); !slices.Equal(f, []string{"http://example.invalid/pixel.png"}) {
		t.Errorf("foreign requests %q, want the image of example.invalid", f)
	}
	// The browser cannot reach it: the attempt fails, and says so.
	errs := p.ConsoleErrors()
	t.Logf("errors: %q", errs)
	if !slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, "example.invalid") }) {
		t.Errorf("errors %q, want the failed image", errs)
	}
}

func TestIsForeign(t *testing.T) {
	f := func(u string, want bool) {
		t.Helper()
		if got := browsertest.IsForeign(u); got != want {
			t.Errorf("IsForeign(%q) = %v, want %v", u, got, want)
		}
	}
	f("http://127.0.0.1:8080/", false)
	f("http://127.8.9.10/", false)
	f("http://localhost/x", false)
	f("http://LOCALHOST./x", false)
	f("http://app.localhost/x", false)
	f("http://[::1]:9/", false)
	f("ws://127.0.0.1/live", false)
	f("data:image/png;base64,AAAA", false)
	f("blob:http://127.0.0.1/1234", false)
	f("about:blank", false)
	f("file:///tmp/x", false)
	f("http://example.invalid/pixel.png", true)
	f("https://cdn.jsdelivr.net/npm/echarts@5.6.0/dist/echarts.min.js", true)
	f("http://10.0.0.1/", true)
	f("http://[::2]/", true)
	f("http://127.0.0.1.example.com/", true)
	f("//example.com/x", true)
}

func TestLogin(t *testing.T) {
	b := browsertest.New(t)
	ts := server(t)
	p, err := b.Visit(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Text(), "Tổng quan") || p.URL() != ts.URL+"/login" {
		t.Fatalf("before the login / shows %q at %s, want the login form", p.Text(), p.URL())
	}
	if err := b.Login(ts.URL, "lanhdao", "sai"); err == nil {
		t.Error("a login with a wrong password succeeded")
	}
	if err := b.Login(ts.URL, "lanhdao", "mật khẩu"); err != nil {
		t.Fatal(err)
	}
	p, err = b.Visit(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if text := p.Text(); !strings.Contains(text, "Tổng quan") {
		t.Errorf("after the login the page shows %q", text)
	}
}

func TestEval(t *testing.T) {
	b := browsertest.New(t)
	ts := server(t)
	p, err := b.Visit(ts.URL + "/plain")
	if err != nil {
		t.Fatal(err)
	}
	var kind string
	if err := p.Eval(`typeof window.pwned`, &kind); err != nil || kind != "undefined" {
		t.Errorf("typeof window.pwned = %q, %v; want undefined", kind, err)
	}
	n := 7
	if err := p.Eval(`window.pwned`, &n); err != nil || n != 7 {
		t.Errorf("undefined gave %d, %v; want out unchanged", n, err)
	}
	if err := p.Eval(`window.pwned = 1`, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Eval(`window.pwned`, &n); err != nil || n != 1 {
		t.Errorf("window.pwned = %d, %v; want 1", n, err)
	}
	if err := p.Eval(`Promise.resolve(40 + 2)`, &n); err != nil || n != 42 {
		t.Errorf("a promise gave %d, %v; want 42", n, err)
	}
	if err := p.Eval(`null.x`, nil); err == nil {
		t.Error("an exception gave no error")
	}
}

func TestScreenshotAndPrint(t *testing.T) {
	b := browsertest.New(t)
	dir := browsertest.ArtifactsDir()
	ts := server(t)
	p, err := b.Visit(ts.URL + "/chart")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot("chart"); err != nil {
		t.Fatal(err)
	}
	if err := p.Print("chart"); err != nil {
		t.Fatal(err)
	}
	for name, magic := range map[string]string{"chart.png": "\x89PNG\r\n", "chart.pdf": "%PDF-"} {
		data, err := os.ReadFile(filepath.Join(dir, "TestScreenshotAndPrint", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(magic)) || len(data) < 1000 {
			t.Errorf("%s: %d bytes starting %q, want a real %q file", name, len(data), data[:min(len(data), 8)], magic)
		}
	}
}

func TestArtifactsDir(t *testing.T) {
	t.Setenv("MOTCUA_ARTIFACTS", "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := browsertest.ArtifactsDir(), filepath.Join(filepath.Dir(wd), "artifacts", "browser"); got != want {
		t.Errorf("ArtifactsDir() = %q, want %q", got, want)
	}
	t.Setenv("MOTCUA_ARTIFACTS", "/tmp/a")
	if got := browsertest.ArtifactsDir(); got != "/tmp/a" {
		t.Errorf("ArtifactsDir() = %q with MOTCUA_ARTIFACTS=/tmp/a", got)
	}
}
