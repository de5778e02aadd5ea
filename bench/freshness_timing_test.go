package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/ingest/ndjson"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// freshnessSize is the events of history that BenchmarkFreshness stores
// before the clients post: ten million unless MOTCUA_BENCH_FRESHNESS says
// otherwise.
func freshnessSize() int {
	if n, err := strconv.Atoi(os.Getenv("MOTCUA_BENCH_FRESHNESS")); err == nil && n > 0 {
		return n
	}
	return 10_000_000
}

// freshnessRun is how long the clients of BenchmarkFreshness post: a minute,
// two catch-ups of the figures at their default interval, unless
// MOTCUA_BENCH_FRESHNESS_SECONDS says otherwise.
func freshnessRun() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("MOTCUA_BENCH_FRESHNESS_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return time.Minute
}

// freshnessBatch is the k-th batch of client c in run r: perBatch new
// dossiers received at the client's unit at the instant.
func freshnessBatch(cat *motcua.Catalog, r, c, k, perBatch int, unit string, at time.Time) []byte {
	var body []byte
	for i := range perBatch {
		d := fmt.Sprintf("F-%d-%d-%06d-%03d", r, c, k, i)
		e := motcua.Event{EventID: d + "/r", DossierID: d, Type: motcua.Received, At: at, Unit: unit,
			Procedure: cat.Procedures[(c*53+k*7+i)%len(cat.Procedures)].Code, Channel: motcua.Online, DueAt: at.Add(5 * 24 * time.Hour)}
		body = ndjson.Append(body, &e)
	}
	return body
}

// call is one timed call of the warehouse: when it ran, and on how many
// dossiers.
type call struct {
	start, end time.Time
	n          int
}

func (c call) took() time.Duration { return c.end.Sub(c.start) }

// roundTimer is the warehouse with the calls of the figures' rounds timed:
// each fold of marked dossiers (RefreshDossiers) and each search of a
// catch-up for dossiers whose figures trail their events (Unfolded).
type roundTimer struct {
	*warehouse.Warehouse
	mu              sync.Mutex
	folds, searches []call
}

func (t *roundTimer) RefreshDossiers(ctx context.Context, ids []string, cat *motcua.Catalog, cal *motcua.Calendar) (int, error) {
	start := time.Now()
	n, err := t.Warehouse.RefreshDossiers(ctx, ids, cat, cal)
	t.mu.Lock()
	t.folds = append(t.folds, call{start, time.Now(), len(ids)})
	t.mu.Unlock()
	return n, err
}

func (t *roundTimer) Unfolded(ctx context.Context, since time.Time) ([]string, error) {
	start := time.Now()
	ids, err := t.Warehouse.Unfolded(ctx, since)
	t.mu.Lock()
	t.searches = append(t.searches, call{start, time.Now(), len(ids)})
	t.mu.Unlock()
	return ids, err
}

// calls returns the calls that started after t.
func (t *roundTimer) calls(after time.Time) (folds, searches []call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	keep := func(cs []call) []call {
		var out []call
		for _, c := range cs {
			if c.start.After(after) {
				out = append(out, c)
			}
		}
		return out
	}
	return keep(t.folds), keep(t.searches)
}

// probe is one acknowledged batch: when its 200 came, and the poll of the
// summary that first showed it (sent and answered).
type probe struct{ acked, sent, shown time.Time }

// BenchmarkFreshness: the time from an acknowledged event to the summary
// showing it, with MOTCUA_BENCH_FRESHNESS events of history stored (ten
// million by default) and 8 clients posting. The history is stored through
// the warehouse and folded under the catalogue's rules, with the figures'
// watermark past it; then the server starts with the figures' defaults,
// those motcua ships: after each round the refresher waits a second, or
// three times the round when that is longer, and it catches up every 30 s.
// For a minute (MOTCUA_BENCH_FRESHNESS_SECONDS) each client posts a batch of
// 100 new dossiers received now at a unit of its own every 250 ms, or as
// soon as the last is answered when that takes longer, while one reader
// polls GET /api/v1/summary of today by unit as the leader, a new call 20 ms
// after each answer. A client's batch shows when its unit counts all of its
// dossiers received so far: a round folds every dossier marked before it
// and a client's batches are marked in order. Freshness is the time from
// the 200 to the answer that first shows the batch; p50, p99 and max over
// every batch, with the rounds, catch-ups and summary calls that make it up.
func BenchmarkFreshness(b *testing.B) {
	// 3,200 events a second offered in all: the figures' catch-ups fold
	// every dossier of the last minutes, so freshness depends on the rate.
	const clients, perBatch, every = 8, 100, 250 * time.Millisecond
	e := setup(b)
	ctx := context.Background()
	n := freshnessSize()
	wh := &roundTimer{Warehouse: warehousetest.Open(b)}
	t0 := time.Now()
	history(e.cat, n, 11, randomCodes, func(evs []motcua.Event) {
		if _, err := wh.InsertEvents(ctx, evs); err != nil {
			b.Fatal(err)
		}
	})
	stored := time.Since(t0)
	if _, err := wh.RefoldAll(ctx, e.cat, nil); err != nil {
		b.Fatal(err)
	}
	count(b, wh.Warehouse, n)
	folded := time.Since(t0) - stored
	// The history was ingested long ago, as on a server that has run for
	// years: a catch-up refolds every dossier with events ingested since the
	// watermark, which it moves to its start less warehouse.CatchUpMargin.
	// So the watermark is recorded, at now less that margin, once the last
	// of the history is older than the margin.
	wait := time.Until(t0.Add(stored + warehouse.CatchUpMargin + time.Second))
	time.Sleep(wait)
	if _, err := wh.SetFactsWatermark(ctx, time.Unix(0, 0), time.Now()); err != nil {
		b.Fatal(err)
	}

	srv := server.New(server.Config{Listen: "127.0.0.1:0", Ingest: ingest.Config{Tokens: map[string]string{"bench-token": "bench"}},
		Users: accesstest.Users(b)}, wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer srv.Stop(ctx)
	t0 = time.Now()
	settle(b, srv)
	b.Logf("%d events stored in %s and folded in %s; waited %s more for them to pass the catch-up margin; the figures caught up %s after the start",
		n, stored.Round(time.Second), folded.Round(time.Second), max(0, wait).Round(time.Second), time.Since(t0).Round(time.Millisecond))
	base := "http://" + srv.Addr()
	cat := srv.Figures().Catalog()

	// A unit alive today for each client, none with history.
	var units []string
	for _, u := range cat.Units {
		if u.Level != motcua.LevelProvince && u.AliveAt(time.Now()) && len(units) < clients {
			units = append(units, u.Code)
		}
	}
	if len(units) < clients {
		b.Fatalf("the catalogue has %d units alive today, want %d: %v", len(units), clients, units)
	}

	post := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	read := &http.Client{Timeout: time.Minute}
	// poll returns the dossiers received today and tomorrow by unit, the
	// summary of the days of the run.
	day := motcua.DayOf(time.Now())
	summary := fmt.Sprintf("%s/api/v1/summary?from=%s&to=%s&group=unit", base,
		day.Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly))
	poll := func() (map[string]uint64, error) {
		req, err := http.NewRequest(http.MethodGet, summary, nil)
		if err != nil {
			return nil, err
		}
		resp, err := read.Do(accesstest.AsLeader(req))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var ans server.SummaryAnswer
		if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("summary: %s %v", resp.Status, err)
		}
		got := map[string]uint64{}
		for _, g := range ans.Groups {
			got[g.Key] = g.New
		}
		return got, nil
	}

	for r := 0; b.Loop(); r++ {
		before, err := poll()
		if err != nil {
			b.Fatal(err)
		}
		load0, _ := os.ReadFile("/proc/loadavg")
		var (
			mu       sync.Mutex
			probes   = make([][]probe, clients) // acknowledged batches of each client
			visible  = make([]int, clients)     // batches of each client that the summary showed
			shown    = make([]int, clients)     // of them, those acknowledged: probes[c][:shown[c]]
			posting  = clients
			refused  int
			queries  []time.Duration
			wg       sync.WaitGroup
			pollErr  error
			lastAck  time.Time
			start    = time.Now()
			deadline = start.Add(freshnessRun())
		)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { mu.Lock(); posting--; mu.Unlock() }()
				for k := 0; time.Now().Before(deadline); k++ {
					sent := time.Now()
					body := freshnessBatch(cat, r, c, k, perBatch, units[c], sent)
					for {
						req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/events", bytes.NewReader(body))
						req.Header.Set("Authorization", "Bearer bench-token")
						resp, err := post.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusServiceUnavailable {
							mu.Lock()
							refused++
							mu.Unlock()
							time.Sleep(100 * time.Millisecond)
							continue
						}
						if resp.StatusCode != http.StatusOK {
							b.Errorf("batch %d of client %d: %s", k, c, resp.Status)
							return
						}
						break
					}
					now := time.Now()
					mu.Lock()
					p := probe{acked: now}
					if k < visible[c] { // shown before its client read the 200
						p.sent, p.shown = now, now
						shown[c]++
					}
					probes[c] = append(probes[c], p)
					lastAck = now
					mu.Unlock()
					time.Sleep(time.Until(sent.Add(every)))
				}
			}()
		}
		// The reader: a summary at a time, until every acknowledged batch shows.
		for {
			sent := time.Now()
			got, err := poll()
			answered := time.Now()
			if err != nil {
				pollErr = err
				break
			}
			done := true
			mu.Lock()
			queries = append(queries, answered.Sub(sent))
			for c, u := range units {
				if got[u] > before[u] {
					visible[c] = max(visible[c], int((got[u]-before[u])/perBatch))
				}
				for ; shown[c] < min(visible[c], len(probes[c])); shown[c]++ {
					probes[c][shown[c]].sent, probes[c][shown[c]].shown = sent, answered
				}
				done = done && shown[c] == len(probes[c])
			}
			done = done && posting == 0
			mu.Unlock()
			if done {
				break
			}
			if time.Now().After(deadline.Add(5 * time.Minute)) {
				pollErr = fmt.Errorf("the summary does not show every batch 5 minutes after the last post: shown %v of %d each", shown, perBatch)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		wg.Wait()
		if pollErr != nil {
			b.Fatal(pollErr)
		}
		load1, _ := os.ReadFile("/proc/loadavg")
		folds, searches := wh.calls(start)

		var fresh, fromSent []time.Duration
		var all []probe
		for c := range clients {
			for _, p := range probes[c] {
				fresh = append(fresh, max(0, p.shown.Sub(p.acked)))
				fromSent = append(fromSent, max(0, p.sent.Sub(p.acked)))
				all = append(all, p)
			}
		}
		events := len(all) * perBatch
		rate := float64(events) / lastAck.Sub(start).Seconds()
		q := func(ds []time.Duration, p float64) time.Duration {
			s := slices.Clone(ds)
			slices.Sort(s)
			return s[max(0, int(float64(len(s))*p+0.999999)-1)]
		}
		p50, p99, top := q(fresh, 0.5), q(fresh, 0.99), slices.Max(fresh)
		b.ReportMetric(msOf(p50), "freshness_p50_ms")
		b.ReportMetric(msOf(p99), "freshness_p99_ms")
		b.ReportMetric(msOf(top), "freshness_max_ms")
		b.ReportMetric(rate, "ingest_events/s")
		b.Logf("%d events stored, %d clients, %d batches of %d in %s (%.0f events/s acknowledged, %d answers 503), load average %s before, %s after",
			n, clients, len(all), perBatch, lastAck.Sub(start).Round(time.Millisecond), rate, refused,
			strings.Join(strings.Fields(string(load0))[:3], " "), strings.Join(strings.Fields(string(load1))[:3], " "))
		b.Logf("freshness (200 to the answer showing it): p50 %s, p90 %s, p99 %s, max %s; to the sending of that call: p50 %s, p99 %s",
			p50.Round(time.Millisecond), q(fresh, 0.9).Round(time.Millisecond), p99.Round(time.Millisecond), top.Round(time.Millisecond),
			q(fromSent, 0.5).Round(time.Millisecond), q(fromSent, 0.99).Round(time.Millisecond))
		b.Logf("summary calls: %d, p50 %s, p99 %s, max %s", len(queries), q(queries, 0.5).Round(time.Millisecond),
			q(queries, 0.99).Round(time.Millisecond), slices.Max(queries).Round(time.Millisecond))
		b.Logf("rounds: %s", describeCalls(folds, q))

		// Where the time of a batch goes: until the round that folds it
		// starts, that round, and from its end to the answer that shows it.
		// The round is the first to start after the 200, or the one before
		// when that one starts after the call that shows the batch was sent.
		type parts struct{ wait, fold, show time.Duration }
		split := func(p probe) (parts, bool) {
			i, _ := slices.BinarySearchFunc(folds, p.acked, func(c call, t time.Time) int { return c.start.Compare(t) })
			if i == len(folds) || folds[i].start.After(p.sent) {
				i--
			}
			if i < 0 {
				return parts{}, false
			}
			f := folds[i]
			return parts{max(0, f.start.Sub(p.acked)), f.took(), max(0, p.shown.Sub(f.end))}, true
		}
		// A catch-up holds the rounds from its search until the next round:
		// the search, the fold of what it found with the marked dossiers, the
		// fold of those marked meanwhile, which follows at once, and the pause
		// after that round (at least a second).
		var held []call
		for _, s := range searches {
			i, _ := slices.BinarySearchFunc(folds, s.end, func(c call, t time.Time) int { return c.start.Compare(t) })
			for i++; i < len(folds) && folds[i].start.Sub(folds[i-1].end) < 100*time.Millisecond; i++ {
			}
			end := time.Now()
			if i < len(folds) {
				end = folds[i].start
			}
			held = append(held, call{s.start, end, s.n})
		}
		heldUp := func(p probe) bool {
			return slices.ContainsFunc(held, func(h call) bool { return h.start.Before(p.shown) && h.end.After(p.acked) })
		}
		holds := make([]time.Duration, len(held))
		for i, h := range held {
			holds[i] = h.took()
		}
		found := make([]int, len(searches))
		for i, s := range searches {
			found[i] = s.n
		}
		b.Logf("catch-up searches: %s; they found %v dossiers and held the rounds for %v ms", describeCalls(searches, q), found, ms(holds))
		slices.SortFunc(all, func(x, y probe) int { return cmp.Compare(x.shown.Sub(x.acked), y.shown.Sub(y.acked)) })
		describe := func(name string, ps []probe) {
			var wait, fold, show []time.Duration
			caught := 0
			for _, p := range ps {
				if s, ok := split(p); ok {
					wait, fold, show = append(wait, s.wait), append(fold, s.fold), append(show, s.show)
				}
				if heldUp(p) {
					caught++
				}
			}
			if len(wait) == 0 {
				return
			}
			b.Logf("%s (%d batches): median wait for the round %s, the round's fold %s, then to the answer %s; %d of them held by a catch-up",
				name, len(ps), median(wait).Round(time.Millisecond), median(fold).Round(time.Millisecond), median(show).Round(time.Millisecond), caught)
		}
		describe("every batch", all)
		describe("the slowest 1%", all[len(all)-max(1, len(all)/100):])
		var free []time.Duration
		for _, p := range all {
			if !heldUp(p) {
				free = append(free, max(0, p.shown.Sub(p.acked)))
			}
		}
		if len(free) > 0 {
			b.Logf("the %d batches no catch-up held: freshness p50 %s, p99 %s, max %s", len(free),
				q(free, 0.5).Round(time.Millisecond), q(free, 0.99).Round(time.Millisecond), slices.Max(free).Round(time.Millisecond))
		}
	}
}

// describeCalls writes how many calls, how long and on how many dossiers.
func describeCalls(cs []call, q func([]time.Duration, float64) time.Duration) string {
	if len(cs) == 0 {
		return "none"
	}
	took := make([]time.Duration, len(cs))
	var gaps []time.Duration
	ns := make([]int, len(cs))
	for i, c := range cs {
		took[i], ns[i] = c.took(), c.n
		if i > 0 {
			gaps = append(gaps, c.start.Sub(cs[i-1].start))
		}
	}
	slices.Sort(ns)
	s := fmt.Sprintf("%d, each p50 %s, p99 %s, max %s, on p50 %d dossiers (max %d)", len(cs), q(took, 0.5).Round(time.Millisecond),
		q(took, 0.99).Round(time.Millisecond), slices.Max(took).Round(time.Millisecond), ns[len(ns)/2], ns[len(ns)-1])
	if len(gaps) > 0 {
		s += fmt.Sprintf("; one started every p50 %s (max %s)", q(gaps, 0.5).Round(time.Millisecond), slices.Max(gaps).Round(time.Millisecond))
	}
	return s
}
