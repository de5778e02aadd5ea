package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/ingest/ndjson"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func soakSeconds() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("MOTCUA_SOAK_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 60 * time.Second
}

// soakBatch is the b-th batch of client c: 500 dossiers, received and resolved.
func soakBatch(c, b int) []byte {
	var body []byte
	at := time.Date(2022, 1, 3, 8, 0, 0, 0, motcua.Location).Add(time.Duration(c*7919+b*104729) % (360 * 24 * time.Hour))
	for i := range 500 {
		d := fmt.Sprintf("SOAK-%d-%d-%d", c, b, i)
		r := motcua.Event{EventID: d + "/r", DossierID: d, Type: motcua.Received, At: at, Unit: "P1", Procedure: "XA.001",
			Channel: motcua.Online, DueAt: at.Add(72 * time.Hour)}
		s := motcua.Event{EventID: d + "/s", DossierID: d, Type: motcua.Resolved, At: at.Add(24 * time.Hour), Unit: "P1", Procedure: "XA.001"}
		body = ndjson.Append(body, &r)
		body = ndjson.Append(body, &s)
	}
	return body
}

// BenchmarkSoak: 50 clients post 1,000-event batches for a minute
// (MOTCUA_SOAK_SECONDS) while ClickHouse is stopped (SIGSTOP) for ten seconds
// and continued, and later killed (-9) and restarted; each client resends a
// batch until it is acknowledged. At the end, acknowledged events = rows =
// distinct events, and every dossier of them is in the figures.
func BenchmarkSoak(b *testing.B) {
	const clients, perBatch = 50, 1000
	for b.Loop() {
		srv := warehousetest.Own(b, b.TempDir())
		ctx := context.Background()
		wh := warehousetest.OpenOwn(b, srv)
		app := server.New(server.Config{Listen: "127.0.0.1:0", Figures: figures.Config{CatchUpEvery: 5 * time.Second},
			Ingest: ingest.Config{Tokens: map[string]string{"soak-token": "soak"}, InsertTimeout: 5 * time.Second}},
			wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := app.Start(ctx); err != nil {
			b.Fatal(err)
		}
		url := "http://" + app.Addr() + "/api/v1/events"
		client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}

		var (
			stop      atomic.Bool
			acked     atomic.Int64
			failed    atomic.Int64
			mu        sync.Mutex
			latencies []time.Duration
			wg        sync.WaitGroup
		)
		t0 := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; !stop.Load(); n++ {
					body := soakBatch(c, n)
					for { // resend until acknowledged
						start := time.Now()
						req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
						req.Header.Set("Authorization", "Bearer soak-token")
						resp, err := client.Do(req)
						status := 0
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							status = resp.StatusCode
						}
						mu.Lock()
						latencies = append(latencies, time.Since(start))
						mu.Unlock()
						if status == http.StatusOK {
							acked.Add(perBatch)
							break
						}
						failed.Add(1)
						time.Sleep(200 * time.Millisecond)
					}
				}
			}()
		}
		d := soakSeconds()
		pid := srv.PID()
		time.Sleep(d / 4)
		syscall.Kill(pid, syscall.SIGSTOP)
		time.Sleep(10 * time.Second)
		syscall.Kill(pid, syscall.SIGCONT)
		time.Sleep(d/2 - 10*time.Second)
		warehousetest.Crash(b, srv)
		time.Sleep(time.Until(t0.Add(d)))
		stop.Store(true)
		wg.Wait()
		elapsed := time.Since(t0)

		// Every acknowledged event once, and every dossier in the figures.
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{srv.Addr()}, Auth: clickhouse.Auth{Database: "motcua", Username: "default", Password: srv.Password()}})
		if err != nil {
			b.Fatal(err)
		}
		var rows, distinct uint64
		if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(source, event_id) FROM events").Scan(&rows, &distinct); err != nil {
			b.Fatal(err)
		}
		if rows != uint64(acked.Load()) || distinct != rows {
			b.Errorf("acknowledged %d events; events holds %d rows, %d distinct", acked.Load(), rows, distinct)
		}
		deadline := time.Now().Add(2 * time.Minute)
		var dossiers int64
		for {
			if err := conn.QueryRow(ctx, "SELECT sum(sign) FROM dossier_facts").Scan(&dossiers); err != nil {
				b.Fatal(err)
			}
			if dossiers == acked.Load()/2 || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if dossiers != acked.Load()/2 {
			b.Errorf("acknowledged %d dossiers; the figures hold %d two minutes later", acked.Load()/2, dossiers)
		}
		conn.Close()
		app.Stop(ctx)

		slices.Sort(latencies)
		q := func(p float64) float64 { return latencies[int(p*float64(len(latencies)-1))].Seconds() * 1000 }
		b.ReportMetric(float64(acked.Load())/elapsed.Seconds(), "acked_events/s")
		b.ReportMetric(q(0.5), "p50_ms")
		b.ReportMetric(q(0.99), "p99_ms")
		b.ReportMetric(float64(failed.Load()), "refused_requests")
		b.ReportMetric(peakRSSMiB(), "peak_rss_MiB")
	}
}

// peakRSSMiB is the process's peak resident memory (VmHWM), in MiB.
func peakRSSMiB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
