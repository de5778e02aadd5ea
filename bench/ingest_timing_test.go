package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/ingest/ndjson"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func eventCount() int {
	if n, err := strconv.Atoi(os.Getenv("MOTCUA_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// envSizes returns the event counts of a benchmark: def, unless the
// environment variable env gives them as a comma-separated list.
func envSizes(env string, def ...int) []int {
	s := os.Getenv(env)
	if s == "" {
		return def
	}
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

// events returns n event-shaped rows spread over 2022: dossiers of the town
// and the communes, half of them resolved.
func events(b *testing.B, cat *motcua.Catalog, n int, seed uint64) []motcua.Event {
	r := rand.New(rand.NewPCG(seed, 1))
	units := []string{"TX.MC", "P1", "P2", "LH", "LT", "DT", "TLH", "HT"}
	start := time.Date(2022, 1, 1, 7, 0, 0, 0, motcua.Location)
	evs := make([]motcua.Event, 0, n)
	for i := 0; len(evs) < n; i++ {
		u := units[r.IntN(len(units))]
		proc := cat.Procedures[r.IntN(414)].Code
		at := start.Add(time.Duration(r.Int64N(int64(364 * 24 * time.Hour))))
		d := fmt.Sprintf("B-%d-%d", seed, i)
		evs = append(evs, motcua.Event{EventID: d + "/r", DossierID: d, Type: motcua.Received, At: at, Unit: u, Procedure: proc,
			Official: "CB." + u + ".01", Channel: []motcua.Channel{motcua.Online, motcua.Direct, motcua.Postal}[r.IntN(3)],
			DueAt: at.Add(5 * 24 * time.Hour), Source: "bench"})
		if len(evs) < n {
			evs = append(evs, motcua.Event{EventID: d + "/s", DossierID: d, Type: motcua.Resolved, At: at.Add(3 * 24 * time.Hour),
				Unit: u, Procedure: proc, Source: "bench"})
		}
	}
	return evs
}

// rawInsert is the raw clickhouse-go path: one batch insert of the rows into
// the same events table, columns appended row by row as most services do.
func rawInsert(ctx context.Context, conn driver.Conn, evs []motcua.Event) error {
	batch, err := conn.PrepareBatch(ctx, `INSERT INTO events (event_id, dossier_id, type, at, unit, procedure, official, channel,
 due_at, has_due, return_channel, fee_vnd, paid_online, digitized, source, ingested_at)`)
	if err != nil {
		return err
	}
	now := time.Now()
	for i := range evs {
		e := &evs[i]
		due, has := time.Unix(0, 0), uint8(0)
		if !e.DueAt.IsZero() {
			due, has = e.DueAt, 1
		}
		if err := batch.Append(e.EventID, e.DossierID, string(e.Type), e.At, e.Unit, e.Procedure, e.Official, string(e.Channel),
			due, has, string(e.ReturnChannel), (*int64)(nil), (*uint8)(nil), (*uint8)(nil), e.Source, now); err != nil {
			return err
		}
	}
	return batch.Send()
}

type env struct {
	addr string
	cat  *motcua.Catalog
}

func setup(b *testing.B) env {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		b.Fatal(err)
	}
	return env{addr: warehousetest.Addr(b), cat: cat}
}

// fresh returns a migrated warehouse with the catalogue, and a raw
// connection to the same database.
func (e env) fresh(b *testing.B) (*warehouse.Warehouse, driver.Conn) {
	wh := warehousetest.Open(b)
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{e.addr}, Auth: clickhouse.Auth{Database: wh.Database(), Password: warehousetest.Password(b)}, MaxOpenConns: 16})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return wh, conn
}

func count(b *testing.B, wh *warehouse.Warehouse, want int) {
	n, err := wh.CountEvents(context.Background())
	if err != nil || int(n) != want {
		b.Fatalf("stored %d events (%v), want %d", n, err, want)
	}
}

// BenchmarkImport: `motcua import` of an NDJSON file against raw inserts of
// the same rows in 100,000-row batches.
func BenchmarkImport(b *testing.B) {
	e := setup(b)
	n := eventCount()
	evs := events(b, e.cat, n, 1)
	path := filepath.Join(b.TempDir(), "events.ndjson")
	var buf []byte
	for i := range evs {
		buf = ndjson.Append(buf, &evs[i])
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var rawRate, motcuaRate float64
	for b.Loop() {
		wh, conn := e.fresh(b)
		t0 := time.Now()
		for i := 0; i < n; i += 100_000 {
			if err := rawInsert(ctx, conn, evs[i:min(i+100_000, n)]); err != nil {
				b.Fatal(err)
			}
		}
		raw := time.Since(t0)
		count(b, wh, n)

		wh2, _ := e.fresh(b)
		t0 = time.Now()
		st, err := ingest.Import(ctx, wh2, e.cat, path, ingest.ImportOptions{Source: "bench"})
		mine := time.Since(t0)
		if err != nil || st.Accepted != n {
			b.Fatalf("import: %+v, %v", st, err)
		}
		count(b, wh2, n)
		rawRate, motcuaRate = float64(n)/raw.Seconds(), float64(n)/mine.Seconds()
	}
	b.ReportMetric(rawRate, "raw_events/s")
	b.ReportMetric(motcuaRate, "motcua_events/s")
	b.ReportMetric(motcuaRate/rawRate, "ratio")
}

// BenchmarkConcurrentPosts: 8 clients posting 1,000 events a request to
// motcua against one client inserting the same events raw in 100,000-row
// batches, one after the other: the physical limit that group commit should
// approach. Each iteration runs both, so that the ratio compares them under
// the same load of the machine. It also inserts them raw in batches of
// 8,000 rows, all that 8 clients of 1,000 events have in flight and so the
// largest insert that group commit can make of them: ratio_8k is motcua's
// rate against that one.
func BenchmarkConcurrentPosts(b *testing.B) {
	const clients, perRequest = 8, 1000
	e := setup(b)
	n := eventCount()
	evs := events(b, e.cat, n, 2)
	var bodies [][]byte
	for i := 0; i < n; i += perRequest {
		var body []byte
		for j := i; j < min(i+perRequest, n); j++ {
			body = ndjson.Append(body, &evs[j])
		}
		bodies = append(bodies, body)
	}
	ctx := context.Background()
	parallel := func(f func(i int) error) {
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; i < len(bodies); i += clients {
					if err := f(i); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	rawInserts := func(size int) float64 {
		wh, conn := e.fresh(b)
		quiet(b, conn)
		t0 := time.Now()
		for i := 0; i < n; i += size {
			if err := rawInsert(ctx, conn, evs[i:min(i+size, n)]); err != nil {
				b.Fatal(err)
			}
		}
		raw := time.Since(t0)
		count(b, wh, n)
		return float64(n) / raw.Seconds()
	}
	var rawRate, raw8kRate, motcuaRate, perInsert float64
	for b.Loop() {
		rawRate = rawInserts(100_000)
		raw8kRate = rawInserts(clients * perRequest)

		wh2, conn2 := e.fresh(b)
		quiet(b, conn2)
		srv := server.New(server.Config{Listen: "127.0.0.1:0", Ingest: ingest.Config{Tokens: map[string]string{"bench-token": "bench"}}},
			wh2, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := srv.Start(ctx); err != nil {
			b.Fatal(err)
		}
		url := "http://" + srv.Addr() + "/api/v1/events"
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		t0 := time.Now()
		parallel(func(i int) error {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i]))
			req.Header.Set("Authorization", "Bearer bench-token")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		})
		mine := time.Since(t0)
		perInsert = rowsPerInsert(b, client, "http://"+srv.Addr()+"/metrics")
		srv.Stop(ctx)
		count(b, wh2, n)
		motcuaRate = float64(n) / mine.Seconds()
	}
	b.ReportMetric(rawRate, "raw_events/s")
	b.ReportMetric(raw8kRate, "raw8k_events/s")
	b.ReportMetric(motcuaRate, "motcua_events/s")
	b.ReportMetric(motcuaRate/rawRate, "ratio")
	b.ReportMetric(motcuaRate/raw8kRate, "ratio_8k")
	b.ReportMetric(perInsert, "motcua_rows/insert")
}

// quiet waits, for a minute at most, until ClickHouse merges no parts: the
// merges that one side's inserts leave behind would otherwise slow the
// other side down, or the next run.
func quiet(b *testing.B, conn driver.Conn) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var n uint64
		if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.merges").Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// rowsPerInsert reads from motcua's metrics how many events its inserts
// held on average: how well group commit gathered the requests.
func rowsPerInsert(b *testing.B, client *http.Client, url string) float64 {
	resp, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	var sum, n float64
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "motcua_ingest_batch_rows_sum "); ok {
			sum, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, "motcua_ingest_batch_rows_count "); ok {
			n, _ = strconv.ParseFloat(v, 64)
		}
	}
	if n == 0 {
		b.Fatal("no motcua_ingest_batch_rows in the metrics")
	}
	return sum / n
}
