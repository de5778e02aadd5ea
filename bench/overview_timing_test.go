package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// overviewYear is the year the events of events() fall in.
const overviewYear = 2022

// overviewSizes are the event counts of BenchmarkOverview;
// MOTCUA_BENCH_OVERVIEW overrides them as a comma-separated list.
func overviewSizes() []int { return envSizes("MOTCUA_BENCH_OVERVIEW", 1_000_000, 10_000_000) }

// BenchmarkOverview: the overview page of one year (GET /?period=year, as
// the leader, logged in through the form) against the three summaries it
// runs, called on the warehouse one after the other, at each size; medians
// of seven calls each, page and queries interleaved.
func BenchmarkOverview(b *testing.B) {
	e := setup(b)
	for _, n := range overviewSizes() {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			ctx := context.Background()
			wh := warehousetest.Open(b)
			load(b, e, wh, n)
			// The figures' catch-up scans the events; after the first round at
			// the start it should not run in the middle of the timings.
			srv := server.New(server.Config{Listen: "127.0.0.1:0", Users: accesstest.Users(b), Figures: figures.Config{CatchUpEvery: time.Hour}},
				wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := srv.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer srv.Stop(ctx)
			settle(b, srv)
			base := "http://" + srv.Addr()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			cookies := login(b, client, base)
			page := fmt.Sprintf("%s/?period=year&year=%d", base, overviewYear)

			// The queries of dashboards.scope for a leader's overview of the year.
			cat, cal := srv.Figures().Catalog(), srv.Figures().Calendar()
			p, err := motcua.NewPeriod(motcua.PeriodYear, overviewYear, 0, false)
			if err != nil {
				b.Fatal(err)
			}
			year := motcua.SummaryQuery{Windows: []motcua.Window{{From: p.From, To: p.To.AddDate(0, 0, 1)}}}
			months := motcua.MonthWindows(p.To.AddDate(0, -11, 1-p.To.Day()), p.To.AddDate(0, 0, 1))
			queries := func() motcua.Counts {
				inst := cat.InstantAt(time.Now(), cal)
				byUnit := year
				byUnit.By, byUnit.Now = motcua.GroupUnit, &inst
				byProc := year
				byProc.By = motcua.GroupProcedure
				trend := year
				trend.Windows = months
				var total motcua.Counts
				for i, q := range []motcua.SummaryQuery{byUnit, byProc, trend} {
					rows, err := wh.Summary(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					if i == 0 {
						for _, r := range rows {
							total.Add(r)
						}
					}
				}
				return total
			}

			var pages, raws []time.Duration
			var size int
			var body string
			var total motcua.Counts
			for b.Loop() {
				for range 7 {
					t0 := time.Now()
					req, err := http.NewRequest(http.MethodGet, page, nil)
					if err != nil {
						b.Fatal(err)
					}
					for _, c := range cookies {
						req.AddCookie(c)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					buf, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Fatalf("overview: %s %v\n%.500s", resp.Status, err, buf)
					}
					pages = append(pages, time.Since(t0))
					size, body = len(buf), string(buf)

					t0 = time.Now()
					total = queries()
					raws = append(raws, time.Since(t0))
				}
			}
			// The page shows what its queries count: its first tile is every
			// dossier handled in the year.
			if handled := motcua.FormatCount(total.Of(motcua.FigHandled)); total.Of(motcua.FigHandled) == 0 || !strings.Contains(body, ">"+handled+"<") {
				b.Fatalf("the page does not show the %s dossiers handled that its queries count", handled)
			}
			mp, mq := median(pages), median(raws)
			ratio := float64(mp) / float64(mq)
			b.ReportMetric(float64(mp.Microseconds())/1000, "page_ms")
			b.ReportMetric(float64(mq.Microseconds())/1000, "queries_ms")
			b.ReportMetric(ratio, "ratio")
			b.Logf("events=%d: page %s (%d bytes), queries %s, ratio %.2f; page %v, queries %v",
				n, mp.Round(time.Millisecond), size, mq.Round(time.Millisecond), ratio, ms(pages), ms(raws))
		})
	}
}

// load stores n events in wh in chunks and folds each chunk's dossiers, as
// BenchmarkSummary does.
func load(b *testing.B, e env, wh *warehouse.Warehouse, n int) {
	ctx := context.Background()
	cal := motcua.NewCalendar(e.cat.Days)
	const chunk = 500_000
	for i := 0; i < n; i += chunk {
		evs := events(b, e.cat, min(chunk, n-i), uint64(100+i/chunk))
		if _, err := wh.InsertEvents(ctx, evs); err != nil {
			b.Fatal(err)
		}
		ids := map[string]struct{}{}
		for _, ev := range evs {
			ids[ev.DossierID] = struct{}{}
		}
		if _, err := wh.RefreshDossiers(ctx, slices.Collect(maps.Keys(ids)), e.cat, cal); err != nil {
			b.Fatal(err)
		}
	}
	count(b, wh, n)
}

// settle waits until the server's figures have caught up with the stored
// events under the rules in force, so that no fold runs during the timings.
func settle(b *testing.B, srv *server.Server) {
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if st := srv.Figures().Status(); st.CaughtUp && st.RulesCurrent && st.PendingDossiers == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the figures did not catch up in 10 minutes: %+v", srv.Figures().Status())
		}
	}
}

// login logs the leader in through the form and returns the session cookie.
func login(b *testing.B, client *http.Client, base string) []*http.Cookie {
	form := url.Values{"login": {accesstest.LeaderLogin}, "password": {accesstest.LeaderPassword}, "next": {"/"}}
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		b.Fatalf("login: %s, %d cookies", resp.Status, len(resp.Cookies()))
	}
	return resp.Cookies()
}

// ms writes durations in whole milliseconds.
func ms(ds []time.Duration) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.Milliseconds()
	}
	return out
}
