package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func getSummary(t *testing.T, url, query string) (int, http.Header, string) {
	t.Helper()
	resp, err := accesstest.Get(url + "/api/v1/summary?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("summary?%s: the answer is not JSON: %v", query, err)
	}
	return resp.StatusCode, resp.Header, body.Error
}

// TestSummaryRefusesDaysOutsideStorage: days before 1970-01-01 or after
// 2105-12-31 are refused with 400 naming the parameter and the range; the
// range's own ends are taken.
func TestSummaryRefusesDaysOutsideStorage(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	for _, tc := range []struct{ query, want string }{
		{"from=1969-12-31&to=2022-12-31", `from="1969-12-31": want a day from 1970-01-01 to 2105-12-31, the span the warehouse holds`},
		{"from=0001-01-01&to=2022-12-31", `from="0001-01-01": want a day from 1970-01-01 to 2105-12-31, the span the warehouse holds`},
		{"from=2022-01-01&to=2106-01-01", `to="2106-01-01": want a day from 1970-01-01 to 2105-12-31, the span the warehouse holds`},
		{"from=2022-01-01&to=9999-12-31", `to="9999-12-31": want a day from 1970-01-01 to 2105-12-31, the span the warehouse holds`},
	} {
		if code, _, msg := getSummary(t, url, tc.query); code != 400 || msg != tc.want {
			t.Errorf("%s: %d %q, want 400 %q", tc.query, code, msg, tc.want)
		}
	}
	if code, _, msg := getSummary(t, url, "from=1970-01-01&to=2105-12-31"); code != 200 {
		t.Errorf("the whole span: %d %q", code, msg)
	}
}

// TestSummaryMemoryLimitAnswers400: a summary past its memory limit (one
// byte here) is answered 400 with a message that names the limit.
func TestSummaryMemoryLimitAnswers400(t *testing.T) {
	wh := warehousetest.Open(t)
	tiny, err := warehouse.Open(t.Context(), warehouse.Config{Addr: warehousetest.Addr(t), Password: warehousetest.Password(t), Database: wh.Database(), SummaryMaxMemory: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close()
	url := start(t, tiny, server.Config{})
	code, _, msg := getSummary(t, url, "from=2022-01-01&to=2022-12-31&group=unit")
	if code != 400 || !strings.Contains(msg, "limit of a summary or list (max_memory_usage)") {
		t.Errorf("over the memory limit: %d %q, want 400 naming max_memory_usage", code, msg)
	}
}

// limited is a warehouse whose summaries fail with err, or wait for release.
type limited struct {
	*warehouse.Warehouse
	err     error
	entered chan struct{}
	release chan struct{}
}

func (w *limited) Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	if w.err != nil {
		return nil, w.err
	}
	select {
	case w.entered <- struct{}{}:
	default: // a second summary got in: the cap did not hold
	}
	select {
	case <-w.release:
	case <-time.After(5 * time.Second):
	}
	return w.Warehouse.Summary(ctx, q)
}

// TestSummaryTimeLimitAnswers503: a summary stopped by its time limit is
// answered 503 with Retry-After and the warehouse's message, which names it.
func TestSummaryTimeLimitAnswers503(t *testing.T) {
	err := fmt.Errorf("cannot answer within 30s, the time limit of a summary or list (max_execution_time): %w", motcua.ErrQueryTimeout)
	url := start(t, &limited{Warehouse: warehousetest.Open(t), err: err}, server.Config{})
	code, hdr, msg := getSummary(t, url, "from=2022-01-01&to=2022-12-31")
	if code != 503 || hdr.Get("Retry-After") == "" || !strings.Contains(msg, "within 30s, the time limit of a summary or list (max_execution_time)") {
		t.Errorf("past the time limit: %d %q, Retry-After %q", code, msg, hdr.Get("Retry-After"))
	}
}

// TestSummaryConcurrencyCap: past MaxSummaries under way, a summary waits
// SummaryWait, then is answered 503 with Retry-After; the one under way ends.
func TestSummaryConcurrencyCap(t *testing.T) {
	wh := &limited{Warehouse: warehousetest.Open(t), entered: make(chan struct{}, 1), release: make(chan struct{})}
	url := start(t, wh, server.Config{MaxSummaries: 1, SummaryWait: 100 * time.Millisecond})
	first := make(chan int)
	go func() {
		resp, err := accesstest.Get(url + "/api/v1/summary?from=2022-01-01&to=2022-12-31")
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-wh.entered
	code, hdr, msg := getSummary(t, url, "from=2022-01-01&to=2022-12-31")
	if code != 503 || hdr.Get("Retry-After") == "" || !strings.Contains(msg, "1 reader queries are under way, the most at once") {
		t.Errorf("past the cap: %d %q, Retry-After %q", code, msg, hdr.Get("Retry-After"))
	}
	close(wh.release)
	if code := <-first; code != 200 {
		t.Errorf("the summary under way: %d", code)
	}
}

// TestSummaryUnitsSwitch: units=current counts under today's units, and
// says so; another value is 400.
func TestSummaryUnitsSwitch(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	if code, _, msg := getSummary(t, url, "from=2025-01-01&to=2025-12-31&units=today"); code != 400 || !strings.Contains(msg, "want as_received or current") {
		t.Errorf("units=today: %d %q", code, msg)
	}
	resp, err := accesstest.Get(url + "/api/v1/summary?from=2025-01-01&to=2025-12-31&unit=PDH&units=current")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a server.SummaryAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 || a.Units != "current" {
		t.Errorf("units=current: %d %+v %v", resp.StatusCode, a, err)
	}
}
