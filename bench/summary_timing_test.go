package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// summarySizes are the event counts of BenchmarkSummary; MOTCUA_BENCH_SUMMARY
// overrides them as a comma-separated list.
func summarySizes() []int { return envSizes("MOTCUA_BENCH_SUMMARY", 1_000_000, 10_000_000) }

// BenchmarkSummary: the summary of one year grouped by unit through
// GET /api/v1/summary, against the same answer computed by raw SQL over the
// raw events table, at each size; medians of seven calls each.
func BenchmarkSummary(b *testing.B) {
	e := setup(b)
	for _, n := range summarySizes() {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			ctx := context.Background()
			wh := warehousetest.Open(b)
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
			// One round of the figures refresher for 1,000 changed dossiers: it reads
			// their events and facts by dossier (see RefreshDossiers).
			some := events(b, e.cat, 2000, 100)
			var ids []string
			for _, ev := range some {
				ids = append(ids, ev.DossierID)
			}
			t0 := time.Now()
			if _, err := wh.RefreshDossiers(ctx, slices.Compact(ids), e.cat, cal); err != nil {
				b.Fatal(err)
			}
			refresh := time.Since(t0)
			srv := server.New(server.Config{Listen: "127.0.0.1:0", Ingest: ingest.Config{Tokens: map[string]string{"bench-token": "bench"}}, Users: accesstest.Users(b)},
				wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := srv.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer srv.Stop(ctx)
			url := "http://" + srv.Addr() + "/api/v1/summary?from=2022-01-01&to=2022-12-31&group=unit"
			q := motcua.SummaryQuery{Windows: []motcua.Window{{From: time.Date(2022, 1, 1, 0, 0, 0, 0, motcua.Location),
				To: time.Date(2023, 1, 1, 0, 0, 0, 0, motcua.Location)}}, By: "unit"}
			var api, raw []time.Duration
			var apiTotal, rawTotal motcua.Counts
			for b.Loop() {
				for range 7 {
					t0 := time.Now()
					resp, err := accesstest.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					var ans server.SummaryAnswer
					err = json.NewDecoder(resp.Body).Decode(&ans)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						b.Fatalf("summary: %s %v", resp.Status, err)
					}
					api = append(api, time.Since(t0))
					apiTotal = ans.Total.Counts

					t0 = time.Now()
					rows, err := wh.SummaryFromEvents(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					raw = append(raw, time.Since(t0))
					rawTotal = motcua.Counts{}
					for _, r := range rows {
						rawTotal.Add(r)
					}
				}
			}
			apiTotal.Window, apiTotal.Key = 0, ""
			if apiTotal != rawTotal {
				b.Fatalf("the answers differ:\n api %+v\n raw %+v", apiTotal, rawTotal)
			}
			ma, mr := median(api), median(raw)
			b.ReportMetric(float64(ma.Microseconds())/1000, "api_ms")
			b.ReportMetric(float64(mr.Microseconds())/1000, "raw_ms")
			b.ReportMetric(float64(ma)/float64(mr), "ratio")
			b.ReportMetric(float64(refresh.Microseconds())/1000, "refresh_1000_ms")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
