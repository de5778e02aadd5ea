// Package browsertest gives tests a real headless Chromium, driven with
// chromedp: Debian's chromium, or chromium-browser or google-chrome, found on
// PATH. A test fails in CI, and is skipped elsewhere, when there is none
// (scripts/ensure-browser.sh installs it).
//
// Each visit records what a person at the browser's console would see: every
// request the page made (so that a test can say that none left the machine),
// console errors, uncaught exceptions and failed loads, and the HTTP status of
// the page. The browser reaches loopback only: other host names do not
// resolve and other addresses go to a closed proxy, so a page that asks for
// another host is caught by ForeignRequests and nothing leaves the machine.
//
// Screenshots and PDFs go to the folder named by MOTCUA_ARTIFACTS, by default
// artifacts/browser/ at the root of the repository, one folder per test.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Executables are the names of the browsers that New looks for on PATH, in
// this order.
var Executables = []string{"chromium", "chromium-browser", "google-chrome"}

// Timeouts of a visit: navigation and login, the page's network falling quiet
// and its charts finishing their animation, and one evaluation.
const (
	loadTimeout   = 30 * time.Second
	settleTimeout = 15 * time.Second
	evalTimeout   = 10 * time.Second
	quietPeriod   = 500 * time.Millisecond
	pollInterval  = 100 * time.Millisecond
)

// Browser is a headless Chromium with a temporary profile of its own, closed
// and removed when the test ends. Its pages share cookies, so a Login holds
// for every later Visit.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// New starts a headless Chromium for the test and stops it when the test
// ends. When no browser is on PATH the test fails if the environment variable
// CI is set, and is skipped otherwise.
func New(t testing.TB) *Browser {
	t.Helper()
	path := ""
	for _, name := range Executables {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		msg := fmt.Sprintf("no browser for the test: none of %s is on PATH; on Debian run scripts/ensure-browser.sh (as root)", strings.Join(Executables, ", "))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}

	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// As root in a container Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		// Loopback only: no name but localhost resolves, and every other
		// address goes to a proxy on a closed local port. Chromium never sends
		// loopback requests through a proxy.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.*, EXCLUDE [::1]"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser and binds it to ctx, which has no
	// deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("cannot start %q: %v\n%s", path, err, out.String())
	}
	return &Browser{t: t, ctx: ctx}
}

// Visit opens url in a new tab, waits for it to load, for its network to
// fall quiet and for its charts to be drawn (every element that ECharts made
// a chart of holds a canvas of non-zero size and has finished its animation),
// or for about 15 seconds, whichever comes first. The error is for a page
// that could not load at all; an HTTP error status is in Status. The tab stays
// open until the test ends or Close.
func (b *Browser) Visit(url string) (*Page, error) {
	p := &Page{t: b.t, url: url, inflight: map[network.RequestID]bool{}, requests: map[network.RequestID]string{}}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(p.listen))
	p.ctx, p.cancel = ctx, cancel
	b.t.Cleanup(cancel)
	// The first Do opens the tab and binds it to ctx, which has no deadline.
	if err := chromedp.Do(ctx); err != nil {
		return nil, fmt.Errorf("cannot open a tab for %q: %w", url, err)
	}
	lctx, lcancel := context.WithTimeout(ctx, loadTimeout)
	defer lcancel()
	resp, err := chromedp.Run(lctx, chromedp.NavigateResponse(url))
	if err != nil {
		return p, fmt.Errorf("cannot load %q: %w", url, err)
	}
	if resp != nil {
		p.status = int(resp.Status)
	}
	p.settle()
	return p, nil
}

// Login logs in through the form at baseURL/login: it fills the inputs named
// login and password, clicks the form's submit button and waits for the page
// it leads to. It fails when that page is /login again or an HTTP error. The
// session cookie then holds for every later Visit of b.
func (b *Browser) Login(baseURL, login, password string) error {
	p, err := b.Visit(strings.TrimRight(baseURL, "/") + "/login")
	if err != nil {
		return err
	}
	defer p.Close()
	if p.status != 200 {
		return fmt.Errorf("cannot log in as %q: GET /login answered %d", login, p.status)
	}
	ctx, cancel := context.WithTimeout(p.ctx, loadTimeout)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
	); err != nil {
		return fmt.Errorf("cannot fill the login form as %q: %w", login, err)
	}
	submit := chromedp.CSS(`form:has(input[name="password"]) [type="submit"], form:has(input[name="password"]) button:not([type])`)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(submit))
	if err != nil {
		return fmt.Errorf("cannot submit the login form as %q: %w", login, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Errorf("cannot read where the login of %q led: %w", login, err)
	}
	status := 0
	if resp != nil {
		status = int(resp.Status)
	}
	if u, err := url.Parse(loc); err != nil || u.Path == "/login" || status >= 400 {
		return fmt.Errorf("cannot log in as %q: the form led to %q with status %d", login, loc, status)
	}
	return nil
}

// Page is a tab that Visit opened, with what it recorded since.
type Page struct {
	t      testing.TB
	url    string
	ctx    context.Context
	cancel context.CancelFunc
	status int

	mu        sync.Mutex
	urls      []string                     // every request, in order
	requests  map[network.RequestID]string // method and URL, for messages
	inflight  map[network.RequestID]bool
	lastEvent time.Time // of the network
	errors    []string
}

// listen records the tab's events. It runs in the loop that reads the tab's
// messages: it must return fast and send no command.
func (p *Page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.lastEvent = time.Now()
		if ev.Request == nil {
			return
		}
		p.urls = append(p.urls, ev.Request.URL)
		p.requests[ev.RequestID] = ev.Request.Method + " " + ev.Request.URL
		// A stream stays open as long as the page: it would never fall quiet.
		if ev.Type != network.ResourceTypeEventSource && ev.Type != network.ResourceTypeWebSocket {
			p.inflight[ev.RequestID] = true
		}
	case *network.EventResponseReceived:
		p.lastEvent = time.Now()
		if r := ev.Response; r != nil && r.Status >= 400 && !isFavicon(r.URL) {
			p.errors = append(p.errors, fmt.Sprintf("%s: %d %s", p.requestName(ev.RequestID, r.URL), r.Status, r.StatusText))
		}
	case *network.EventLoadingFinished:
		p.lastEvent = time.Now()
		delete(p.inflight, ev.RequestID)
	case *network.EventLoadingFailed:
		p.lastEvent = time.Now()
		delete(p.inflight, ev.RequestID)
		if (!ev.Canceled || ev.BlockedReason != "") && !isFavicon(p.requests[ev.RequestID]) {
			reason := ev.ErrorText
			if ev.BlockedReason != "" {
				reason += " (blocked: " + string(ev.BlockedReason) + ")"
			}
			p.errors = append(p.errors, fmt.Sprintf("%s: failed: %s", p.requestName(ev.RequestID, ""), reason))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			p.errors = append(p.errors, "console."+string(ev.Type)+": "+argsText(ev.Args)+stackPlace(ev.StackTrace))
		}
	case *runtime.EventExceptionThrown:
		if d := ev.ExceptionDetails; d != nil {
			p.errors = append(p.errors, "uncaught: "+exceptionText(d))
		}
	case *log.EventEntryAdded:
		// Failed loads of the network are recorded above, from the network's
		// own events, with their method and status.
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError && e.Source != log.EntrySourceNetwork {
			msg := "log." + string(e.Source) + ": " + e.Text
			if e.URL != "" {
				msg += fmt.Sprintf(" (%s:%d)", e.URL, e.LineNumber+1)
			}
			p.errors = append(p.errors, msg)
		}
	}
}

// requestName is the method and URL of a request, for a message. Call it
// with p.mu held.
func (p *Page) requestName(id network.RequestID, fallback string) string {
	if s, ok := p.requests[id]; ok {
		return s
	}
	return fallback
}

// isFavicon tells whether a request, as a URL or as "METHOD URL", is for
// /favicon.ico at the root of a site: Chromium asks for it by itself, and its
// console does not show a failure of it.
func isFavicon(request string) bool {
	_, u, ok := strings.Cut(request, " ")
	if !ok {
		u = request
	}
	v, err := url.Parse(u)
	return err == nil && v.Path == "/favicon.ico"
}

// chartsReady tells whether every ECharts container holds a canvas of
// non-zero size and, where the echarts global is there, no animation runs.
const chartsReady = `(() => {
	for (const el of document.querySelectorAll('[_echarts_instance_]')) {
		const c = el.querySelector('canvas');
		if (!c || !c.width || !c.height) return false;
		const inst = window.echarts && window.echarts.getInstanceByDom && window.echarts.getInstanceByDom(el);
		const zr = inst && inst.getZr && inst.getZr();
		if (zr && zr.animation && zr.animation.isFinished && !zr.animation.isFinished()) return false;
	}
	return true;
})()`

// settle waits until the network has been quiet for a while and the charts
// are drawn, or until settleTimeout. A page that does not settle is still
// returned: the test's own checks say what is missing.
func (p *Page) settle() {
	ctx, cancel := context.WithTimeout(p.ctx, settleTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		p.mu.Lock()
		quiet := len(p.inflight) == 0 && time.Since(p.lastEvent) >= quietPeriod
		pending := len(p.inflight)
		p.mu.Unlock()
		drawn := false
		if quiet {
			var err error
			drawn, err = chromedp.Run(ctx, chromedp.Evaluate[bool](chartsReady))
			if err != nil && ctx.Err() == nil {
				p.t.Logf("browsertest: %s: cannot check its charts: %v", p.url, err)
			}
			if drawn {
				return
			}
		}
		select {
		case <-ctx.Done():
			p.t.Logf("browsertest: %s did not settle in %v (requests pending: %d, charts drawn: %v)", p.url, settleTimeout, pending, drawn)
			return
		case <-tick.C:
		}
	}
}

// Status returns the HTTP status of the page's main document, 0 when it had
// none.
func (p *Page) Status() int { return p.status }

// URL returns where the page is now, after any redirect: the URL of its
// document. It fails the test when it cannot read it.
func (p *Page) URL() string {
	p.t.Helper()
	var s string
	if err := p.Eval(`location.href`, &s); err != nil {
		p.t.Errorf("browsertest: %s: cannot read its location: %v", p.url, err)
	}
	return s
}

// Requests returns the URL of every request the page made since the visit,
// in order, the page itself first.
func (p *Page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.urls...)
}

// ForeignRequests returns the URLs of the requests the page made, or tried
// to make, to any host but loopback (127.0.0.0/8, localhost, [::1]). URLs
// with no host, such as data: and blob:, are not requests to a host.
func (p *Page) ForeignRequests() []string {
	var out []string
	for _, u := range p.Requests() {
		if IsForeign(u) {
			out = append(out, u)
		}
	}
	return out
}

// IsForeign tells whether a request to rawURL leaves the machine: it names a
// host that is not loopback. data:, blob:, about: and other URLs with no host
// do not; a URL that does not parse does.
func IsForeign(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return true
	}
	switch u.Scheme {
	case "data", "blob", "about", "javascript":
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return u.Scheme != "file"
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// ConsoleErrors returns what the page reported as errors since the visit:
// calls of console.error and failed console.assert, uncaught exceptions and
// unhandled rejections, error entries of the browser's log (a Content
// Security Policy violation, say), and requests that failed or answered an
// HTTP error status (the page's own included), but for the favicon that
// Chromium asks for by itself.
func (p *Page) ConsoleErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// Chart is an element that ECharts made a chart of, and the size of its
// canvas in pixels: 0 by 0 when it holds none.
type Chart struct {
	ID            string // the element's id, or its _echarts_instance_ when it has none
	Width, Height int
}

// Charts returns the page's charts, in document order. It fails the test
// when it cannot read them.
func (p *Page) Charts() []Chart {
	p.t.Helper()
	var charts []Chart
	err := p.Eval(`[...document.querySelectorAll('[_echarts_instance_]')].map(el => {
		const c = el.querySelector('canvas');
		return {ID: el.id || el.getAttribute('_echarts_instance_'), Width: c ? c.width : 0, Height: c ? c.height : 0};
	})`, &charts)
	if err != nil {
		p.t.Errorf("browsertest: %s: cannot read its charts: %v", p.url, err)
	}
	return charts
}

// Eval evaluates js in the page, awaiting it when it is a promise, and
// decodes its value, as JSON, into out (nil to drop it). undefined and null
// leave out as it was: `typeof window.pwned` tells them apart. An exception
// thrown by js is the error.
func (p *Page) Eval(js string, out any) error {
	ctx, cancel := context.WithTimeout(p.ctx, evalTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if errors.Is(err, chromedp.ErrJSUndefined) || errors.Is(err, chromedp.ErrJSNull) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot evaluate %q: %w", clip(js), err)
	}
	if out == nil || len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("cannot decode the value of %q: %w", clip(js), err)
	}
	return nil
}

// Text returns the text of the page as a person reads it
// (document.body.innerText). It fails the test when it cannot read it.
func (p *Page) Text() string {
	p.t.Helper()
	var s string
	if err := p.Eval(`document.body ? document.body.innerText : ''`, &s); err != nil {
		p.t.Errorf("browsertest: %s: cannot read its text: %v", p.url, err)
	}
	return s
}

// Screenshot saves a PNG of the whole page (not only the window) as NAME.png
// in the test's folder of artefacts, and logs where.
func (p *Page) Screenshot(name string) error {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, loadTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("cannot take a screenshot of %q: %w", p.url, err)
	}
	return p.save(name, ".png", png)
}

// Print saves the page as printed, with its print stylesheet, on A4 paper,
// as NAME.pdf in the test's folder of artefacts, and logs where.
func (p *Page) Print(name string) error {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, loadTimeout)
	defer cancel()
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		return fmt.Errorf("cannot print %q: %w", p.url, err)
	}
	return p.save(name, ".pdf", pdf)
}

// Close closes the tab. The page's records stay readable.
func (p *Page) Close() { p.cancel() }

func (p *Page) save(name, ext string, data []byte) error {
	p.t.Helper()
	dir := filepath.Join(ArtifactsDir(), fileName(p.t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot make the folder of artefacts: %w", err)
	}
	path := filepath.Join(dir, fileName(strings.TrimSuffix(name, ext))+ext)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("cannot save %q: %w", path, err)
	}
	p.t.Logf("browsertest: saved %s", path)
	return nil
}

// ArtifactsDir returns the folder of the browser's artefacts: the
// environment variable MOTCUA_ARTIFACTS, else artifacts/browser at the root of
// the repository (the folder of go.mod, found upwards from the working
// directory), else motcua-artifacts/browser in the temporary folder.
func ArtifactsDir() string {
	if d := os.Getenv("MOTCUA_ARTIFACTS"); d != "" {
		return d
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.Join(dir, "artifacts", "browser")
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return filepath.Join(os.TempDir(), "motcua-artifacts", "browser")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName makes s, a test's or a page's name, safe as one file name.
func fileName(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "_"), "._")
	if s == "" {
		return "page"
	}
	return s
}

// argsText is the text of console arguments: strings as they are, other
// values by their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		parts = append(parts, objectText(a))
	}
	return strings.Join(parts, " ")
}

func objectText(o *runtime.RemoteObject) string {
	switch {
	case o == nil:
		return ""
	case o.Type == runtime.RemoteObjectTypeString:
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	case o.Description != "":
		return o.Description
	case len(o.Value) > 0:
		return string(o.Value)
	}
	return string(o.Type)
}

// exceptionText is the first line of the exception's description, such as
// "Error: boom", and where it was thrown.
func exceptionText(d *runtime.ExceptionDetails) string {
	text := d.Text
	if d.Exception != nil {
		if s := objectText(d.Exception); s != "" {
			text, _, _ = strings.Cut(s, "\n")
		}
	}
	place := d.URL
	if place == "" && d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
		place = d.StackTrace.CallFrames[0].URL
	}
	if place != "" {
		text += fmt.Sprintf(" (%s:%d)", place, d.LineNumber+1)
	}
	return text
}

// stackPlace is " (url:line)" of the top of a stack, "" for none.
func stackPlace(s *runtime.StackTrace) string {
	if s == nil || len(s.CallFrames) == 0 {
		return ""
	}
	f := s.CallFrames[0]
	return fmt.Sprintf(" (%s:%d)", f.URL, f.LineNumber+1)
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// lockedBuffer keeps the browser's output, for a message when it cannot
// start; it keeps the first 64 KiB.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 64<<10 - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
