package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/alerts"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// alertSizes are the open dossiers of BenchmarkAlertPass;
// MOTCUA_BENCH_ALERTS overrides them as a comma-separated list.
func alertSizes() []int { return envSizes("MOTCUA_BENCH_ALERTS", 1_000_000) }

// alertAt is the instant of the benchmark's passes: a Monday morning, in
// working time and after the repeat time.
var alertAt = time.Date(2026, 11, 30, 9, 0, 0, 0, motcua.Location)

// openDossiers returns the received events of dossiers A-from to A-(from+n-1),
// all open at at and spread over the units: four in five due on a working
// day of the four weeks before at's day (overdue), the rest due between the
// start of at's working day and approach (approaching).
func openDossiers(cat *motcua.Catalog, cal *motcua.Calendar, at, approach time.Time, from, n int) []motcua.Event {
	r := rand.New(rand.NewPCG(uint64(from), 9))
	day := motcua.DayOf(at)
	var workdays []time.Time
	for d := day.AddDate(0, 0, -28); d.Before(day); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d) {
			workdays = append(workdays, d)
		}
	}
	soonFrom := day.Add(7 * time.Hour)
	soonSpan := int64(approach.Sub(soonFrom) / time.Minute)
	channels := []motcua.Channel{motcua.Online, motcua.Direct, motcua.Postal}
	evs := make([]motcua.Event, n)
	for i := range evs {
		u := cat.Units[(from+i)%len(cat.Units)].Code
		var due time.Time
		if r.IntN(5) < 4 {
			due = workdays[r.IntN(len(workdays))].Add(7*time.Hour + time.Duration(r.IntN(10*60))*time.Minute)
		} else {
			due = soonFrom.Add(time.Duration(r.Int64N(soonSpan+1)) * time.Minute)
		}
		d := fmt.Sprintf("A-%d", from+i)
		evs[i] = motcua.Event{EventID: d + "/r", DossierID: d, Type: motcua.Received,
			At: due.Add(-time.Duration(24+r.IntN(10*24)) * time.Hour), Unit: u,
			Procedure: cat.Procedures[r.IntN(len(cat.Procedures))].Code, Official: "CB." + u + ".01",
			Channel: channels[r.IntN(len(channels))], DueAt: due, Source: "bench"}
	}
	return evs
}

// rawOpenSQL selects the dossiers overdue (%[4]s: due before the day of
// nowt) or approaching (due from that day to approach) at nowt over
// dossier_facts, as the figures overdue_now and approaching_now do, with the
// columns a dossier list reads; %[5]s is an ORDER BY or nothing.
const rawOpenSQL = `WITH toDateTime(%[1]d, 'Asia/Ho_Chi_Minh') AS nowt, toDateTime(%[2]d, 'Asia/Ho_Chi_Minh') AS nowday, toUInt32(%[3]d) AS approach
SELECT dossier_id, unit, handling_unit, procedure, official, toString(channel),
    toUInt32(received_at), toUInt32(due_at), has_due, toUInt32(paused_since), toUInt32(resolved_at), toString(outcome), toUInt32(closed_at)
FROM dossier_facts
WHERE toUInt32(received_at) != 0 AND received_at <= nowt AND (toUInt32(closed_at) = 0 OR closed_at > nowt)
    AND has_due = 1 AND NOT (due_computed = 1 AND toUInt32(paused_since) != 0 AND paused_since <= nowt)
    AND %[4]s
GROUP BY dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at, has_due, paused_since,
    resolved_at, outcome, closed_at
HAVING sum(sign) > 0
%[5]s`

// rawOpen runs rawOpenSQL for the overdue and the approaching, scans every
// row into Go values, and returns how many rows it read.
func rawOpen(ctx context.Context, conn driver.Conn, in motcua.Instant, ordered bool) (int, error) {
	order := ""
	if ordered {
		order = "ORDER BY has_due DESC, due_at, dossier_id"
	}
	n := 0
	for _, cond := range []string{"due_at < nowday", "due_at >= nowday AND toUInt32(due_at) <= approach"} {
		rows, err := conn.Query(ctx, fmt.Sprintf(rawOpenSQL, in.At.Unix(), motcua.DayOf(in.At).Unix(), in.Default.Unix(), cond, order))
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id, unit, handling, procedure, official, channel, outcome string
			var received, due, paused, resolved, closed uint32
			var hasDue uint8
			if err := rows.Scan(&id, &unit, &handling, &procedure, &official, &channel,
				&received, &due, &hasDue, &paused, &resolved, &outcome, &closed); err != nil {
				rows.Close()
				return 0, err
			}
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// rawOpenCount is the work of rawOpenSQL in ClickHouse alone: it counts
// the rows instead of sending them.
func rawOpenCount(ctx context.Context, conn driver.Conn, in motcua.Instant) (int, error) {
	n := 0
	for _, cond := range []string{"due_at < nowday", "due_at >= nowday AND toUInt32(due_at) <= approach"} {
		var k uint64
		q := "SELECT count() FROM (" + fmt.Sprintf(rawOpenSQL, in.At.Unix(), motcua.DayOf(in.At).Unix(), in.Default.Unix(), cond, "") + ")"
		if err := conn.QueryRow(ctx, q).Scan(&k); err != nil {
			return 0, err
		}
		n += int(k)
	}
	return n, nil
}

// rawNoticesCountSQL counts the rows that the pass's read of the
// notification log sends (those of the dossiers not marked done), in
// ClickHouse alone.
const rawNoticesCountSQL = `SELECT count() FROM notifications WHERE dossier_id NOT IN (SELECT dossier_id FROM notifications WHERE stage = 'done')`

// countingSender takes every message and counts it, without a network: the
// benchmark measures the pass, not a chat service.
type countingSender struct {
	mu                       sync.Mutex
	messages, items, updates int
}

func (s *countingSender) Name() string { return "bench" }

func (s *countingSender) Send(_ context.Context, m notify.Message) (notify.Ref, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages++
	s.items += len(m.Items)
	return notify.Ref{Channel: m.To, TS: strconv.Itoa(s.messages), Shown: len(m.Items)}, nil
}

func (s *countingSender) Update(context.Context, notify.Ref, notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates++
	return nil
}

type alertFigures struct {
	cat *motcua.Catalog
	cal *motcua.Calendar
}

func (f alertFigures) Catalog() *motcua.Catalog   { return f.cat }
func (f alertFigures) Calendar() *motcua.Calendar { return f.cal }

// storeTimes is where a pass spent its time in the store, and how many
// dossiers (overdue or approaching) and notices it read.
type storeTimes struct {
	overdue, approaching, other, notices, record, save time.Duration
	// callback is the time spent in the pass's callbacks of EachDossier
	// (within overdue, approaching and other).
	callback             time.Duration
	dossiers, noticeRows int
}

func (t storeTimes) total() time.Duration {
	return t.overdue + t.approaching + t.other + t.notices + t.record + t.save
}

// timedStore times each call of a pass to the warehouse.
type timedStore struct {
	*warehouse.Warehouse
	t storeTimes
}

func (s *timedStore) EachDossier(ctx context.Context, q motcua.DossierQuery, fn func(motcua.DossierRow) error) error {
	t0 := time.Now()
	counted := q.Figure == motcua.FigOverdueNow || q.Figure == motcua.FigApproachingNow
	err := s.Warehouse.EachDossier(ctx, q, func(r motcua.DossierRow) error {
		_ = counted
		t1 := time.Now()
		err := fn(r)
		s.t.callback += time.Since(t1)
		return err
	})
	switch q.Figure {
	case motcua.FigOverdueNow:
		s.t.overdue += time.Since(t0)
	case motcua.FigApproachingNow:
		s.t.approaching += time.Since(t0)
	default:
		s.t.other += time.Since(t0)
	}
	return err
}

func (s *timedStore) ClosedNotices(ctx context.Context, now *motcua.Instant) ([]motcua.Notice, error) {
	t0 := time.Now()
	ns, err := s.Warehouse.ClosedNotices(ctx, now)
	s.t.notices += time.Since(t0)
	s.t.noticeRows += len(ns)
	return ns, err
}

// AlertCounts counts, as the pass sees them, the dossiers overdue or
// approaching: the same as the raw SQL selects.
func (s *timedStore) AlertCounts(ctx context.Context, now *motcua.Instant) (map[string][2]uint64, error) {
	t0 := time.Now()
	c, err := s.Warehouse.AlertCounts(ctx, now)
	s.t.other += time.Since(t0)
	for _, v := range c {
		s.t.dossiers += int(v[0] + v[1])
	}
	return c, err
}

func (s *timedStore) RecordNotices(ctx context.Context, ns []motcua.Notice) error {
	t0 := time.Now()
	err := s.Warehouse.RecordNotices(ctx, ns)
	s.t.record += time.Since(t0)
	return err
}

func (s *timedStore) SaveMessage(ctx context.Context, channel, ts, recipient, body string) error {
	t0 := time.Now()
	err := s.Warehouse.SaveMessage(ctx, channel, ts, recipient, body)
	s.t.save += time.Since(t0)
	return err
}

// millis is d in milliseconds.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkAlertPass: an alert pass over N open dossiers (overdue or
// approaching, every one already announced, so the pass reads everything and
// sends nothing: the usual pass every five minutes) against the raw SQL that
// selects the same dossiers over dossier_facts and reads every row; medians
// of five of each, interleaved. The first pass, which sends N items and
// records N notices, is timed once. Messages go to a counting sender in
// memory. MOTCUA_BENCH_ALERTS_CPUPROFILE names a file for the CPU profile of
// one more steady pass, and the allocations profiles before and after it
// (the file's name with .allocs0 and .allocs1: go tool pprof -diff_base).
func BenchmarkAlertPass(b *testing.B) {
	e := setup(b)
	for _, n := range alertSizes() {
		b.Run(fmt.Sprintf("open=%d", n), func(b *testing.B) {
			ctx := context.Background()
			cat := *e.cat
			cat.Units = slices.Clone(e.cat.Units)
			for i := range cat.Units {
				cat.Units[i].HeadSlackID = "U-" + cat.Units[i].Code
			}
			if err := cat.Index(); err != nil {
				b.Fatal(err)
			}
			cal := cat.Calendar()
			if !cal.IsWorking(alertAt) {
				b.Fatalf("%s is not in working time", alertAt)
			}
			inst := cat.InstantAt(alertAt, cal)
			if len(inst.Approach) > 0 {
				b.Fatal("the raw SQL knows one alert window only, and the catalogue gives units windows of their own")
			}

			wh := warehousetest.Open(b)
			const chunk = 500_000
			for i := 0; i < n; i += chunk {
				evs := openDossiers(&cat, cal, alertAt, inst.Default, i, min(chunk, n-i))
				if _, err := wh.InsertEvents(ctx, evs); err != nil {
					b.Fatal(err)
				}
				ids := map[string]struct{}{}
				for _, ev := range evs {
					ids[ev.DossierID] = struct{}{}
				}
				if _, err := wh.RefreshDossiers(ctx, slices.Collect(maps.Keys(ids)), &cat, cal); err != nil {
					b.Fatal(err)
				}
			}
			count(b, wh, n)
			conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{warehousetest.Addr(b)},
				Auth: clickhouse.Auth{Database: wh.Database(), Password: warehousetest.Password(b)}, ReadTimeout: 5 * time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()

			store := &timedStore{Warehouse: wh}
			sender := &countingSender{}
			newAlerter := func() *alerts.Alerter {
				return alerts.New(store, alertFigures{&cat, cal}, []notify.Sender{sender},
					alerts.Config{PublicURL: "https://motcua.example", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
			}

			t0 := time.Now()
			res, err := newAlerter().Pass(ctx, alertAt)
			first := time.Since(t0)
			firstTimes := store.t
			named := 0
			for _, k := range res.Named {
				named += k
			}
			if err != nil || named != n || sender.items != n || len(res.Unrouted) > 0 {
				b.Fatalf("the first pass named %d dossiers in %d messages (%d items sent, unrouted %v), want %d: %v",
					named, res.Messages, sender.items, res.Unrouted, n, err)
			}
			b.Logf("first pass: %.0f ms, %d messages, %d items (%d overdue, %d approaching); store: overdue %.0f ms, approaching %.0f ms, notices %.0f ms, record %.0f ms, save %.0f ms",
				millis(first), res.Messages, named, res.Named[motcua.StageOverdue], res.Named[motcua.StageApproaching],
				millis(firstTimes.overdue), millis(firstTimes.approaching), millis(firstTimes.notices), millis(firstTimes.record), millis(firstTimes.save))

			// each reads the same dossiers through the warehouse's list, with a
			// callback that does nothing: the list's cost without the pass's.
			each := func() (time.Duration, error) {
				t0 := time.Now()
				k := 0
				for _, fig := range []motcua.Figure{motcua.FigOverdueNow, motcua.FigApproachingNow} {
					err := wh.EachDossier(ctx, motcua.DossierQuery{Now: &inst, Figure: fig}, func(motcua.DossierRow) error { k++; return nil })
					if err != nil {
						return 0, err
					}
				}
				if k != n {
					return 0, fmt.Errorf("the warehouse listed %d dossiers, want %d", k, n)
				}
				return time.Since(t0), nil
			}

			var raw, ordered, lists, pass, goSide, overdue, approaching, notices, callback []time.Duration
			var serverLists, serverNotices []time.Duration // the same work in ClickHouse alone, counting
			var allocMB, allocs []float64
			var m0, m1 runtime.MemStats
			for b.Loop() {
				for round := range 5 {
					t0 := time.Now()
					rows, err := rawOpen(ctx, conn, inst, false)
					if err != nil {
						b.Fatal(err)
					}
					raw = append(raw, time.Since(t0))
					if rows != n {
						b.Fatalf("the raw SQL read %d dossiers, want %d", rows, n)
					}

					store.t = storeTimes{}
					sent := sender.items
					runtime.ReadMemStats(&m0)
					t0 = time.Now()
					res, err := newAlerter().Pass(ctx, alertAt)
					pass = append(pass, time.Since(t0))
					runtime.ReadMemStats(&m1)
					allocMB = append(allocMB, float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20))
					allocs = append(allocs, float64(m1.Mallocs-m0.Mallocs))
					if err != nil || res.Messages != 0 || sender.items != sent {
						b.Fatalf("a steady pass sent %d messages (%d items): %v", res.Messages, sender.items-sent, err)
					}
					if store.t.dossiers != rows {
						b.Fatalf("the pass saw %d dossiers and the raw SQL %d", store.t.dossiers, rows)
					}
					goSide = append(goSide, pass[round]-store.t.total())
					overdue, approaching, notices = append(overdue, store.t.overdue), append(approaching, store.t.approaching), append(notices, store.t.notices)
					callback = append(callback, store.t.callback)

					t0 = time.Now()
					if _, err := rawOpen(ctx, conn, inst, true); err != nil {
						b.Fatal(err)
					}
					ordered = append(ordered, time.Since(t0))
					d, err := each()
					if err != nil {
						b.Fatal(err)
					}
					lists = append(lists, d)
					t0 = time.Now()
					if k, err := rawOpenCount(ctx, conn, inst); err != nil || k != n {
						b.Fatalf("the raw count is %d, want %d: %v", k, n, err)
					}
					serverLists = append(serverLists, time.Since(t0))
					t0 = time.Now()
					var k uint64
					if err := conn.QueryRow(ctx, rawNoticesCountSQL).Scan(&k); err != nil {
						b.Fatal(err)
					}
					serverNotices = append(serverNotices, time.Since(t0))
					b.Logf("round %d: raw %.0f ms, pass %.0f ms (overdue %.0f, approaching %.0f, notices %.0f ms for %d rows, the lists' callbacks %.0f ms, in Go after the reads %.0f ms; %.0f MB in %.0f allocations, %d GCs), raw ordered %.0f ms, warehouse lists %.0f ms; in ClickHouse alone: lists %.0f ms, notices %.0f ms",
						round+1, millis(raw[round]), millis(pass[round]), millis(store.t.overdue), millis(store.t.approaching), millis(store.t.notices),
						store.t.noticeRows, millis(store.t.callback), millis(goSide[round]), allocMB[round], allocs[round], m1.NumGC-m0.NumGC,
						millis(ordered[round]), millis(lists[round]), millis(serverLists[round]), millis(serverNotices[round]))
				}
			}
			mr, mp := median(raw), median(pass)
			b.ReportMetric(millis(mr), "raw_ms")
			b.ReportMetric(millis(mp), "pass_ms")
			b.ReportMetric(float64(mp)/float64(mr), "ratio")
			b.ReportMetric(millis(first), "first_pass_ms")
			b.ReportMetric(millis(median(ordered)), "raw_ordered_ms")
			b.ReportMetric(millis(median(lists)), "lists_ms")
			slices.Sort(allocMB)
			b.ReportMetric(allocMB[len(allocMB)/2], "pass_alloc_MB")
			b.Logf("%d open dossiers, medians of 5: raw %.0f ms, steady pass %.0f ms, ratio %.2f; first pass %.0f ms; in the pass: overdue list %.0f ms, approaching list %.0f ms, notification log %.0f ms, the lists' callbacks %.0f ms, Go after the reads %.0f ms; raw with the lists' ORDER BY %.0f ms; the warehouse's two lists with a callback that does nothing %.0f ms; in ClickHouse alone (count instead of sending the rows): the two lists %.0f ms, the notices %.0f ms",
				n, millis(mr), millis(mp), float64(mp)/float64(mr), millis(first), millis(median(overdue)), millis(median(approaching)),
				millis(median(notices)), millis(median(callback)), millis(median(goSide)), millis(median(ordered)), millis(median(lists)),
				millis(median(serverLists)), millis(median(serverNotices)))

			if path := os.Getenv("MOTCUA_BENCH_ALERTS_CPUPROFILE"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				heap := func(name string) {
					h, err := os.Create(path + name)
					if err != nil {
						b.Fatal(err)
					}
					defer h.Close()
					runtime.GC() // the profile holds what the last GC saw
					if err := pprof.Lookup("allocs").WriteTo(h, 0); err != nil {
						b.Fatal(err)
					}
				}
				heap(".allocs0")
				if err := pprof.StartCPUProfile(f); err != nil {
					b.Fatal(err)
				}
				_, err = newAlerter().Pass(ctx, alertAt)
				pprof.StopCPUProfile()
				if err != nil {
					b.Fatal(err)
				}
				heap(".allocs1")
			}
		})
	}
}
