package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
)

// eventsPerYear is the history's rate in BenchmarkScale: a million events a
// year unless MOTCUA_BENCH_PER_YEAR says otherwise, so that 1M events are
// one year of history and 10M are ten.
func eventsPerYear() float64 {
	if n, err := strconv.Atoi(os.Getenv("MOTCUA_BENCH_PER_YEAR")); err == nil && n > 0 {
		return float64(n)
	}
	return 1_000_000
}

// scaleEnd is the instant the history of BenchmarkScale runs up to.
var scaleEnd = time.Date(2026, 11, 27, 17, 0, 0, 0, motcua.Location)

// scaleSizes are the event counts of BenchmarkScale; MOTCUA_BENCH_SCALE
// overrides them as a comma-separated list.
func scaleSizes() []int { return envSizes("MOTCUA_BENCH_SCALE", 1_000_000, 10_000_000) }

// dossierCodes is how the dossiers of a history are numbered: dated, as
// one-stop software issues codes (a prefix, the day of reception, a
// sequence), so that the dossiers received together sort together; or
// random, codes that say nothing of the day (the order of making, while the
// days are drawn at random), the worst case for a lookup by code.
type dossierCodes string

const (
	datedCodes  dossierCodes = "dated"
	randomCodes dossierCodes = "random"
)

// scaleCodes are the numberings of BenchmarkScale; MOTCUA_BENCH_CODES
// (dated or random) keeps one.
func scaleCodes() []dossierCodes {
	switch c := dossierCodes(os.Getenv("MOTCUA_BENCH_CODES")); c {
	case datedCodes, randomCodes:
		return []dossierCodes{c}
	}
	return []dossierCodes{datedCodes, randomCodes}
}

// history makes n events at eventsPerYear up to scaleEnd, in batches of
// 500,000 given to fn (the history never sits in memory whole): dossiers of
// the town and the communes, received, resolved three days later unless
// received in the last ten days, which stay open. It returns the open ones.
func history(cat *motcua.Catalog, n int, seed uint64, codes dossierCodes, fn func([]motcua.Event)) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	units := []string{"TX.MC", "P1", "P2", "LH", "LT", "DT", "TLH", "HT"}
	span := time.Duration(float64(n) / eventsPerYear() * float64(365*24*time.Hour))
	start := scaleEnd.Add(-span)
	recent := scaleEnd.Add(-10 * 24 * time.Hour)
	const batch = 500_000
	evs := make([]motcua.Event, 0, batch)
	var open []string
	for i, made := 0, 0; made < n; i++ {
		u := units[r.IntN(len(units))]
		proc := cat.Procedures[r.IntN(414)].Code
		at := start.Add(time.Duration(r.Int64N(int64(span))))
		d := fmt.Sprintf("S-%d-%09d", seed, i)
		if codes == datedCodes {
			d = fmt.Sprintf("S-%d-%s-%09d", seed, at.Format("20060102"), i)
		}
		evs = append(evs, motcua.Event{EventID: d + "/r", DossierID: d, Type: motcua.Received, At: at, Unit: u, Procedure: proc,
			Official: "CB." + u + ".01", Channel: []motcua.Channel{motcua.Online, motcua.Direct, motcua.Postal}[r.IntN(3)],
			DueAt: at.Add(5 * 24 * time.Hour), Source: "bench"})
		made++
		if !at.Before(recent) {
			open = append(open, d)
		} else if made < n {
			evs = append(evs, motcua.Event{EventID: d + "/s", DossierID: d, Type: motcua.Resolved, At: at.Add(3 * 24 * time.Hour),
				Unit: u, Procedure: proc, Source: "bench"})
			made++
		}
		if len(evs) >= batch || made >= n {
			fn(evs)
			evs = evs[:0]
		}
	}
	return open
}

// scaleResult holds the medians of one size, for the ratios between sizes.
type scaleResult struct{ refresh, rawRead, month, year, page, rawYear time.Duration }

// BenchmarkScale: what a page and a round of the figures refresher cost as
// history grows at a fixed yearly rate (1M events a year; 1M and 10M events
// by default; `make bench-scale`: 100M over five years). First the import
// rate and the bytes on disk per event. At each size: a round of the refresher for 1,000 dossiers
// that changed (a new event each), against the raw read of their events
// (one plain query on events, ordered by dossier: what the round reads,
// without its folding and writing); the summaries of the last month and of the last
// year by unit with the instant's figures, and the year's overview page, as
// the leader; the raw summary of the year from the events. Medians of seven
// calls each; at the end the ratios of the largest size to the smallest.
// Each numbering of the dossiers (dossierCodes) is a history of its own: a
// round costs what it decompresses, and 1,000 dossiers of dated codes
// received lately share blocks at any size, those of random codes do not.
func BenchmarkScale(b *testing.B) {
	e := setup(b)
	for _, codes := range scaleCodes() {
		b.Run("codes="+string(codes), func(b *testing.B) { scale(b, e, codes) })
	}
}

func scale(b *testing.B, e env, codes dossierCodes) {
	results := map[int]scaleResult{}
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			ctx := context.Background()
			wh, conn := e.fresh(b)
			t0 := time.Now()
			open := history(e.cat, n, 11, codes, func(evs []motcua.Event) {
				if _, err := wh.InsertEvents(ctx, evs); err != nil {
					b.Fatal(err)
				}
			})
			stored := time.Since(t0)
			if _, err := wh.RefoldAll(ctx, e.cat, nil); err != nil {
				b.Fatal(err)
			}
			folded := time.Since(t0) - stored
			count(b, wh, n)
			// Timings of a table in its steady state, not of the parts that a
			// load has just written and ClickHouse has not merged yet.
			for _, t := range []string{"events", "dossier_facts", "dossier_facts_by_id"} {
				if err := wh.Optimize(ctx, t); err != nil {
					b.Fatal(err)
				}
			}
			var bytes uint64
			if err := conn.QueryRow(ctx, "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = ?", wh.Database()).Scan(&bytes); err != nil {
				b.Fatal(err)
			}
			b.Logf("%d events stored in %s (%.0f events/s, deduplication included) and folded in %s; %.1f bytes on disk an event, every table",
				n, stored.Round(time.Second), float64(n)/stored.Seconds(), folded.Round(time.Second), float64(bytes)/float64(n))
			b.ReportMetric(float64(n)/stored.Seconds(), "import_events/s")
			b.ReportMetric(float64(bytes)/float64(n), "disk_bytes/event")

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
			cat, cal := srv.Figures().Catalog(), srv.Figures().Calendar()

			// The open dossiers, whose next event is a change to fold.
			r := rand.New(rand.NewPCG(3, 3))
			r.Shuffle(len(open), func(i, j int) { open[i], open[j] = open[j], open[i] })

			inst := cat.InstantAt(scaleEnd, cal)
			month := motcua.SummaryQuery{Windows: []motcua.Window{{From: time.Date(2026, 11, 1, 0, 0, 0, 0, motcua.Location),
				To: time.Date(2026, 12, 1, 0, 0, 0, 0, motcua.Location)}}, By: motcua.GroupUnit, Now: &inst}
			year := month
			year.Windows = []motcua.Window{{From: time.Date(2026, 1, 1, 0, 0, 0, 0, motcua.Location),
				To: time.Date(2027, 1, 1, 0, 0, 0, 0, motcua.Location)}}
			rawYear := year
			rawYear.Now = nil
			page := base + "/?period=year&year=2026"

			var refresh, rawRead, monthT, yearT, pageT, rawT []time.Duration
			rawFits := true
			for b.Loop() {
				for k := range 7 {
					ids := open[k*1000 : (k+1)*1000]
					changes := make([]motcua.Event, len(ids))
					for i, id := range ids {
						changes[i] = motcua.Event{EventID: id + "/x", DossierID: id, Type: motcua.Withdrawn,
							At: scaleEnd.Add(-time.Hour), Source: "bench"}
					}
					if _, err := wh.InsertEvents(ctx, changes); err != nil {
						b.Fatal(err)
					}
					t0 := time.Now()
					changed, err := wh.RefreshDossiers(ctx, ids, cat, cal)
					if err != nil {
						b.Fatal(err)
					}
					refresh = append(refresh, time.Since(t0))
					if changed != len(ids) {
						b.Fatalf("the round changed %d dossiers, want %d", changed, len(ids))
					}
					t0 = time.Now()
					if err := rawEventsOf(ctx, conn, ids); err != nil {
						b.Fatal(err)
					}
					rawRead = append(rawRead, time.Since(t0))

					monthT = append(monthT, timed(b, func() error { _, err := wh.Summary(ctx, month); return err }))
					yearT = append(yearT, timed(b, func() error { _, err := wh.Summary(ctx, year); return err }))
					pageT = append(pageT, timed(b, func() error { return getPage(client, cookies, page) }))
					if rawFits {
						d, err := rawSummaryTime(ctx, wh, rawYear)
						if errors.Is(err, errRawTooBig) {
							b.Log(err)
							rawFits = false
						} else if err != nil {
							b.Fatal(err)
						} else {
							rawT = append(rawT, d)
						}
					}
				}
			}
			res := scaleResult{median(refresh), median(rawRead), median(monthT), median(yearT), median(pageT), 0}
			if len(rawT) > 0 {
				res.rawYear = median(rawT)
			}
			results[n] = res
			b.ReportMetric(msOf(res.refresh), "refresh_1000_ms")
			b.ReportMetric(msOf(res.rawRead), "raw_read_1000_ms")
			b.ReportMetric(msOf(res.month), "summary_month_ms")
			b.ReportMetric(msOf(res.year), "summary_year_ms")
			b.ReportMetric(msOf(res.page), "overview_year_ms")
			if res.rawYear > 0 {
				b.ReportMetric(msOf(res.rawYear), "raw_summary_year_ms")
			}
			b.Logf("refresh %v, raw read %v, month %v, year %v, page %v, raw year %v (ms, each call)",
				ms(refresh), ms(rawRead), ms(monthT), ms(yearT), ms(pageT), ms(rawT))
		})
	}
	sizes := slices.Sorted(func(yield func(int) bool) {
		for n := range results {
			if !yield(n) {
				return
			}
		}
	})
	if len(sizes) < 2 {
		return
	}
	// The ratios are a benchmark of their own, so that they are printed
	// with the others (a benchmark that runs others prints nothing itself).
	lo, hi := results[sizes[0]], results[sizes[len(sizes)-1]]
	b.Run(fmt.Sprintf("ratios=%d/%d", sizes[len(sizes)-1], sizes[0]), func(b *testing.B) {
		b.ReportMetric(ratio(hi.refresh, lo.refresh), "refresh_x")
		b.ReportMetric(ratio(hi.month, lo.month), "summary_month_x")
		b.ReportMetric(ratio(hi.year, lo.year), "summary_year_x")
		b.ReportMetric(ratio(hi.page, lo.page), "overview_year_x")
		b.ReportMetric(ratio(hi.rawRead, lo.rawRead), "raw_read_x")
		if lo.rawYear > 0 && hi.rawYear > 0 {
			b.ReportMetric(ratio(hi.rawYear, lo.rawYear), "raw_summary_year_x")
		}
	})
}

// rawEventsOf reads the events of the dossiers from the events table in one
// plain query: what a round of the refresher reads, without the rest.
func rawEventsOf(ctx context.Context, conn driver.Conn, ids []string) error {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = "'" + id + "'"
	}
	rows, err := conn.Query(ctx, "SELECT event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, has_due, "+
		"return_channel, fee_vnd, paid_online, digitized, source, ingested_at FROM events WHERE dossier_id IN ("+strings.Join(quoted, ",")+")")
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if n < len(ids) {
		return fmt.Errorf("read %d events of %d dossiers", n, len(ids))
	}
	return rows.Err()
}

func getPage(client *http.Client, cookies []*http.Cookie, url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

var errRawTooBig = errors.New("the raw summary of the year exceeds ClickHouse's memory limit")

// rawSummaryTime times the raw summary; it groups a year's events by dossier
// in memory, and at about 10M dossiers a year exceeds ClickHouse's limit.
func rawSummaryTime(ctx context.Context, wh *warehouse.Warehouse, q motcua.SummaryQuery) (time.Duration, error) {
	t0 := time.Now()
	if _, err := wh.SummaryFromEvents(ctx, q); err != nil {
		if strings.Contains(err.Error(), "Memory limit") {
			return 0, fmt.Errorf("%w: %w", errRawTooBig, err)
		}
		return 0, err
	}
	return time.Since(t0), nil
}

func timed(b *testing.B, f func() error) time.Duration {
	t0 := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
