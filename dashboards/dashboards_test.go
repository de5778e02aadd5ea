package dashboards_test

import (
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/dashboards"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

// now is the demo's "today".
var now = time.Date(2026, 11, 27, 10, 0, 0, 0, motcua.Location)

// figures serves the catalogue and calendar of a test.
type figures struct {
	cat *motcua.Catalog
	cal *motcua.Calendar
}

func (f figures) Catalog() *motcua.Catalog    { return f.cat }
func (f figures) Calendar() *motcua.Calendar  { return f.cal }
func (f figures) CompleteBefore() time.Time   { return now }
func (f figures) Refolding() (int, int, bool) { return 0, 0, false }

// demoWarehouse returns a warehouse holding the demo data set, folded,
// for the test's lifetime.
func demoWarehouse(t *testing.T) (*warehouse.Warehouse, figures) {
	t.Helper()
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	fig := figures{cat, cat.Calendar()}
	wh := warehousetest.Open(t)
	ctx := t.Context()
	evs, err := demo.Generate(cat, fig.cal, demo.Config{Seed: 1, Now: now})
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
	return wh, fig
}

// TestOnTheDemo runs the pages' tests over one load of the demo data.
func TestOnTheDemo(t *testing.T) {
	wh, fig := demoWarehouse(t)
	leader := serve(t, wh, fig, access.User{Login: "lanh.dao", Role: access.Leader})
	t.Run("every figure opens its dossiers", func(t *testing.T) { everyFigureOpensItsDossiers(t, leader) })
	t.Run("the overview agrees with the summary", func(t *testing.T) { overviewAgreesWithTheSummary(t, leader, wh) })
	t.Run("exports match the page", func(t *testing.T) { exportsMatchThePage(t, leader, wh) })
	t.Run("every page and export answers", func(t *testing.T) { everyPageAndExportAnswers(t, leader) })
	t.Run("today's units", func(t *testing.T) { todaysUnits(t, leader, wh, fig.cat) })
}

// serve runs the pages for a user over the demo data.
func serve(t *testing.T, wh *warehouse.Warehouse, fig figures, u access.User) *httptest.Server {
	d := dashboards.New(wh, fig, dashboards.Config{Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	d.RegisterStatic(r)
	g := r.Group("/", func(c *gin.Context) {
		c.Request = c.Request.WithContext(access.WithUser(c.Request.Context(), u))
	})
	d.Register(g)
	s := httptest.NewServer(r)
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

var (
	countLink = regexp.MustCompile(`<a href="(/dossiers\?[^"]*)">([0-9.]+)</a>`)
	listTotal = regexp.MustCompile(`Có <strong>([0-9.]+)</strong> hồ sơ`)
	listRow   = regexp.MustCompile(`<a href="/dossiers/[^"?]+">`)
)

func parseCount(t *testing.T, s string) uint64 {
	n, err := strconv.ParseUint(strings.ReplaceAll(s, ".", ""), 10, 64)
	if err != nil {
		t.Fatalf("count %q: %v", s, err)
	}
	return n
}

// everyFigureOpensItsDossiers opens the overview of 2022 and of the
// live month on the demo data and follows every count that links to its
// dossiers: the list says as many as the count, and its first page shows
// them (up to a page).
func everyFigureOpensItsDossiers(t *testing.T, s *httptest.Server) {
	followCounts(t, s, "/", "period=year&year=2022", "period=month&year=2026&n=11")
}

// todaysUnits: the year 2025 of phường Duyên Hải under today's units holds
// its predecessors' dossiers, and every count of its page opens as many.
func todaysUnits(t *testing.T, s *httptest.Server, wh *warehouse.Warehouse, cat *motcua.Catalog) {
	followCounts(t, s, "/units/PDH", "period=year&year=2025&units=current", "period=year&year=2025")
	year := []motcua.Window{{From: time.Date(2025, 1, 1, 0, 0, 0, 0, motcua.Location), To: time.Date(2026, 1, 1, 0, 0, 0, 0, motcua.Location)}}
	total := func(units []string, succ map[string]string) uint64 {
		rows, err := wh.Summary(t.Context(), motcua.SummaryQuery{Windows: year, Units: units, Successors: succ})
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, r := range rows {
			n += r.Handled
		}
		return n
	}
	cur := total(cat.Subtree("PDH"), cat.Successors(now))
	if want := total([]string{"P1", "LT", "DT", "PDH", "PDH.TT"}, nil); cur != want || cur <= total(cat.Subtree("PDH"), nil) {
		t.Errorf("phường Duyên Hải's 2025 under today's units: %d, its predecessors' and its own %d", cur, want)
	}
	_, body, _ := get(t, s.URL+"/units/PDH?period=year&year=2025&units=current")
	if !strings.Contains(body, fmt.Sprintf(`<span class="value">%s<`, motcua.FormatCount(cur))) || !strings.Contains(body, "tính theo đơn vị hiện nay") {
		t.Errorf("the page of phường Duyên Hải under today's units does not show %d handled", cur)
	}
}

// followCounts opens the page at path with each query and follows every
// count that links to its dossiers.
func followCounts(t *testing.T, s *httptest.Server, path string, queries ...string) {
	for _, query := range queries {
		code, body, hdr := get(t, s.URL+path+"?"+query)
		if code != 200 {
			t.Fatalf("overview %s: %d\n%s", query, code, body)
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'nonce-") {
			t.Fatalf("overview: Content-Security-Policy %q", csp)
		}
		links := countLink.FindAllStringSubmatch(body, -1)
		if len(links) < 100 {
			t.Fatalf("overview %s: only %d counts link to their dossiers", query, len(links))
		}
		seen := map[string]bool{}
		nonzero := 0
		for _, l := range links {
			href := html.UnescapeString(l[1])
			if seen[href] {
				continue
			}
			seen[href] = true
			want := parseCount(t, l[2])
			code, list, _ := get(t, s.URL+href)
			if code != 200 {
				t.Fatalf("%s: %d", href, code)
			}
			m := listTotal.FindStringSubmatch(list)
			if m == nil {
				t.Fatalf("%s: the list does not say its total", href)
			}
			if got := parseCount(t, m[1]); got != want {
				t.Errorf("%s: the page shows %d, the list holds %d", href, want, got)
			}
			if rows := uint64(len(listRow.FindAllString(list, -1))); rows != min(want, 50) {
				t.Errorf("%s: the first page shows %d dossiers of %d", href, rows, want)
			}
			if want > 0 {
				nonzero++
			}
		}
		if nonzero < 50 {
			t.Errorf("overview %s: only %d non-zero figures", query, nonzero)
		}
		t.Logf("overview %s: %d figures followed", query, len(seen))
	}
}

// overviewAgreesWithTheSummary checks the overview's tiles of 2022
// against the summary, and the seed's town figures on the town's page.
func overviewAgreesWithTheSummary(t *testing.T, s *httptest.Server, wh *warehouse.Warehouse) {
	year := motcua.Window{From: time.Date(2022, 1, 1, 0, 0, 0, 0, motcua.Location), To: time.Date(2023, 1, 1, 0, 0, 0, 0, motcua.Location)}
	rows, err := wh.Summary(t.Context(), motcua.SummaryQuery{Windows: []motcua.Window{year}})
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := get(t, s.URL+"/?period=year&year=2022")
	for _, want := range []string{
		fmt.Sprintf(`Tổng số hồ sơ tiếp nhận</span><span class="value">%s<`, motcua.FormatCount(rows[0].Handled)),
		fmt.Sprintf(`Quá hạn</span><span class="value">%s<`, motcua.FormatCount(rows[0].Late)),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	code, body, _ := get(t, s.URL+"/units/TX.MC?period=year&year=2022")
	if code != 200 {
		t.Fatalf("unit page: %d", code)
	}
	for _, want := range []string{`<span class="value">2.329<`, `<span class="value">2.297<`, `<span class="value">1.049<`, "49,8% số mới tiếp nhận"} {
		if !strings.Contains(body, want) {
			t.Errorf("the town one-stop shop's page lacks %q", want)
		}
	}
}
