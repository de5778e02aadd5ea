package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/chlocal"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

const token = "test-token-123"

// leaderBasic is the HTTP Basic credential of accesstest's leader.
var leaderBasic = base64.StdEncoding.EncodeToString([]byte(accesstest.LeaderLogin + ":" + accesstest.LeaderPassword))

func start(t *testing.T, wh server.Warehouse, cfg server.Config) string {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.Ingest.Tokens = map[string]string{token: "one-stop"}
	if cfg.Users == nil {
		cfg.Users = accesstest.Users(t, "LH", "TX.MC")
	}
	s := server.New(cfg, wh, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return "http://" + s.Addr()
}

type answer struct {
	status int
	header http.Header
	ingest.Answer
}

func post(t *testing.T, url, query string, body []byte, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/v1/events"+query, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.Answer); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return a
}

func line(id, dossier, typ, at, unit string, extra string) string {
	return fmt.Sprintf(`{"event_id":%q,"dossier_id":%q,"type":%q,"at":%q,"unit":%q,"procedure":"XA.001"%s}`+"\n", id, dossier, typ, at, unit, extra)
}

func TestEventsRoundTrip(t *testing.T) {
	wh := warehousetest.Open(t)
	url := start(t, wh, server.Config{})
	body := line("r1", "D1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online","due_at":"2022-03-04T17:00:00+07:00","official":"CB.P1.01","fee_vnd":20000,"paid_online":true`) +
		line("r2", "D1", "resolved", "2022-03-03T09:15:00+07:00", "P1", "")
	a := post(t, url, "", []byte(body))
	if a.status != 200 || a.Accepted != 2 || a.Duplicates != 0 {
		t.Fatalf("first post: %d %+v", a.status, a.Answer)
	}
	evs, err := wh.Events(t.Context(), "D1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Source != "one-stop" || evs[0].Official != "CB.P1.01" || *evs[0].FeeVND != 20000 ||
		!evs[0].DueAt.Equal(time.Date(2022, 3, 4, 17, 0, 0, 0, motcua.Location)) {
		t.Errorf("stored: %+v", evs)
	}
	// The same batch again, gzipped: stored once.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body))
	zw.Close()
	a = post(t, url, "", gz.Bytes(), "Content-Encoding", "gzip")
	if a.status != 200 || a.Accepted != 0 || a.Duplicates != 2 {
		t.Errorf("second post: %d %+v", a.status, a.Answer)
	}
	// A new server process over the same database still knows the ids.
	url2 := start(t, wh, server.Config{})
	a = post(t, url2, "", []byte(body))
	if a.Duplicates != 2 {
		t.Errorf("after restart: %+v", a.Answer)
	}
	if n, _ := wh.CountEvents(t.Context()); n != 2 {
		t.Errorf("stored %d events, want 2", n)
	}
}

func TestEventsRefusesBadLines(t *testing.T) {
	wh := warehousetest.Open(t)
	url := start(t, wh, server.Config{Ingest: ingest.Config{MaxBody: 4096, MaxLine: 512}})
	good := line("g1", "D1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"direct"`)
	bad := good +
		line("b1", "D2", "received", "2022-03-01T08:00:00", "P1", `,"channel":"direct"`) +
		line("b2", "D3", "received", "2022-03-01T08:00:00+07:00", "Q99", `,"channel":"direct"`) +
		line("b3", "D4", "resolved", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`)
	a := post(t, url, "", []byte(bad))
	if a.status != 400 || a.Rejected != 3 || a.Accepted != 0 {
		t.Fatalf("bad batch: %d %+v", a.status, a.Answer)
	}
	want := map[string]bool{`2 at has no UTC offset`: false, `3 unit unknown unit "Q99"`: false, `4 channel is allowed only on a received event`: false}
	for _, e := range a.Errors {
		for w := range want {
			if strings.HasPrefix(w, fmt.Sprintf("%d %s ", e.Line, e.Field)) && strings.Contains(e.Reason, strings.SplitN(w, " ", 3)[2]) {
				want[w] = true
			}
		}
	}
	for w, ok := range want {
		if !ok {
			t.Errorf("no error %q in %+v", w, a.Errors)
		}
	}
	if n, _ := wh.CountEvents(t.Context()); n != 0 {
		t.Errorf("a refused batch stored %d events", n)
	}
	a = post(t, url, "?partial=true", []byte(bad))
	if a.status != 200 || a.Accepted != 1 || a.Rejected != 3 || len(a.Errors) != 3 {
		t.Errorf("partial: %d %+v", a.status, a.Answer)
	}
	if a := post(t, url, "", []byte(strings.Repeat(good, 40))); a.status != 413 || !strings.Contains(a.Error, "larger than 4096 bytes") {
		t.Errorf("big body: %d %+v", a.status, a.Answer)
	}
	long := line("l1", "D5", "received", "2022-03-01T08:00:00+07:00", "P1", `,"official":"`+strings.Repeat("x", 600)+`"`)
	if a := post(t, url, "", []byte(long)); a.status != 413 || !strings.Contains(a.Error, "line 1 is longer than 512 bytes") {
		t.Errorf("long line: %d %+v", a.status, a.Answer)
	}
	if a := post(t, url, "", nil); a.status != 400 {
		t.Errorf("empty body: %d %+v", a.status, a.Answer)
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/events", strings.NewReader(good))
	req.Header.Set("Authorization", "Bearer wrong-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
}

func TestCatalogueAndHealth(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	get := func(path string, v any) int {
		resp, err := accesstest.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatalf("GET %s: the answer is not JSON: %v", path, err)
			}
		}
		return resp.StatusCode
	}
	var units struct{ Units []motcua.Unit }
	if get("/api/v1/units", &units) != 200 || len(units.Units) != 35 {
		t.Errorf("units: %d", len(units.Units))
	}
	var procs struct{ Procedures []motcua.Procedure }
	if get("/api/v1/procedures", &procs) != 200 || len(procs.Procedures) != 432 {
		t.Errorf("procedures: %d", len(procs.Procedures))
	}
	if get("/healthz", nil) != 200 || get("/readyz", nil) != 200 {
		t.Error("health or readiness is not 200")
	}
	resp, _ := http.Get(url + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"motcua_ingest_batch_rows", "motcua_ingest_insert_duration_seconds", "motcua_facts_pending_dossiers", "go_goroutines"} {
		if !bytes.Contains(b, []byte(m)) {
			t.Errorf("metrics lack %s", m)
		}
	}
}

// TestClickHouseStopsMidRun stops ClickHouse under a running server: posts get
// 503 with Retry-After and store nothing; once ClickHouse is back, the retried
// batch is stored exactly once.
func TestClickHouseStopsMidRun(t *testing.T) {
	warehousetest.Addr(t) // skips or fails the same way when there is no ClickHouse
	ctx := t.Context()
	srv, err := chlocal.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	wh, err := warehouse.Open(ctx, warehouse.Config{Addr: srv.Addr(), Password: srv.Password(), Database: "motcua"})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := wh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load(catalog.DuyenHai())
	if err := wh.SaveCatalog(ctx, cat, "test"); err != nil {
		t.Fatal(err)
	}
	url := start(t, wh, server.Config{})
	var batch strings.Builder
	for i := range 500 {
		batch.WriteString(line(fmt.Sprintf("s%d", i), fmt.Sprintf("D%d", i), "received", "2022-05-02T08:00:00+07:00", "LH", `,"channel":"online"`))
	}
	if a := post(t, url, "", []byte(line("before", "D0", "received", "2022-05-01T08:00:00+07:00", "LH", `,"channel":"online"`))); a.status != 200 {
		t.Fatalf("before the stop: %d %+v", a.status, a.Answer)
	}
	srv.Stop()
	a := post(t, url, "", []byte(batch.String()))
	if a.status != 503 || a.header.Get("Retry-After") == "" {
		t.Fatalf("while stopped: %d %+v, Retry-After %q", a.status, a.Answer, a.header.Get("Retry-After"))
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != 503 {
		t.Errorf("readyz while stopped: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	// Retry as a client would, concurrently with a second client sending the same batch.
	var wg sync.WaitGroup
	var total [2]answer
	for c := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				total[c] = post(t, url, "", []byte(batch.String()))
				if total[c].status != 503 {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if total[0].status != 200 || total[1].status != 200 || total[0].Accepted+total[1].Accepted != 500 || total[0].Duplicates+total[1].Duplicates != 500 {
		t.Errorf("after restart: %+v / %+v", total[0], total[1])
	}
	if n, err := wh.CountEvents(ctx); err != nil || n != 501 {
		t.Errorf("stored %d events (%v), want 501", n, err)
	}
}

func TestSummaryRefusesBadQueries(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	for _, tc := range []struct{ query, want string }{
		{"from=2022-01-01", `to="": want a date YYYY-MM-DD`},
		{"from=01/01/2022&to=2022-12-31", `from="01/01/2022": want a date YYYY-MM-DD`},
		{"from=2022-12-31&to=2022-01-01", "to=2022-01-01 is before from=2022-12-31"},
		{"from=2022-01-01&to=2022-12-31&group=week", `group="week": want unit, level, procedure, official or month`},
		{"from=2022-01-01&to=2022-12-31&unit=Q9", `unit="Q9": no such unit in the catalogue`},
		{"from=2022-01-01&to=2022-12-31&digits=9", `digits="9": want 0 to 6`},
		{"from=2022-01-01&to=2022-12-31&channel=fax", `channel="fax": want online, direct or postal`},
		{"from=2000-01-01&to=2022-12-31&group=month", "group=month over 276 months: ask for ten years (120 months) at most"},
	} {
		resp, err := accesstest.Get(url + "/api/v1/summary?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("%s: the answer is not JSON: %v", tc.query, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || body.Error != tc.want {
			t.Errorf("%s: %d %q, want 400 %q", tc.query, resp.StatusCode, body.Error, tc.want)
		}
	}
	// An empty year answers zeros, with shares of nothing left at zero.
	resp, err := accesstest.Get(url + "/api/v1/summary?from=2022-01-01&to=2022-12-31&group=month")
	if err != nil {
		t.Fatal(err)
	}
	var ans server.SummaryAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		t.Fatalf("the summary is not JSON: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || ans.Total.Handled != 0 || ans.Total.Shares["online"].Denominator != 0 {
		t.Errorf("empty year: %d %+v", resp.StatusCode, ans.Total)
	}
}
