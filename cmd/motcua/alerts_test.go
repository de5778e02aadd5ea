package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestAlertsCommand runs `motcua alerts run --once` over an overdue
// dossier of phường Duyên Hải's service centre, whose head is on Slack: a dry run prints the digest, a run
// with a webhook sends it once, a run on a Saturday sends nothing.
func TestAlertsCommand(t *testing.T) {
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	t.Setenv("MOTCUA_SLACK_TOKEN", "")
	ctx := t.Context()
	wh, err := warehouse.Open(ctx, warehousetest.Config(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := wh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load(catalog.DuyenHai())
	for i := range cat.Units {
		if cat.Units[i].Code == "PDH.TT" {
			cat.Units[i].HeadSlackID = "U-PDH"
		}
	}
	if err := wh.SaveCatalog(ctx, cat, "test"); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 20, 17, 0, 0, 0, motcua.Location)
	ev := motcua.Event{EventID: "o1", DossierID: "D-QUA-HAN", Type: motcua.Received, At: due.AddDate(0, 0, -4), Unit: "PDH.TT",
		Procedure: "XA.001", Channel: motcua.Direct, DueAt: due, Source: "test"}
	if _, err := wh.InsertEvents(ctx, []motcua.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{"D-QUA-HAN"}, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	alertsRun := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"alerts", "run", "--once", "--clickhouse", addr, "--database", db}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	friday := "2026-11-27T10:00:00+07:00"
	if code, out, errs := alertsRun("--dry-run", "--at", friday, "--public-url", "https://motcua.example"); code != 0 ||
		!strings.Contains(out, "D-QUA-HAN") || !strings.Contains(out, `"to": "U-PDH"`) || !strings.Contains(out, "https://motcua.example/units/PDH.TT") ||
		!strings.Contains(out, "1 messages, naming 0 approaching, 1 overdue") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	for range 2 {
		if code, out, errs := alertsRun("--webhook-url", hook.URL, "--at", friday); code != 0 {
			t.Fatalf("with a webhook: exit %d\n%s\n%s", code, out, errs)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], `"id":"D-QUA-HAN"`) {
		t.Fatalf("the webhook got %d messages: %q", len(got), got)
	}
	if code, out, _ := alertsRun("--webhook-url", hook.URL, "--at", "2026-11-28T10:00:00+07:00"); code != 0 || !strings.Contains(out, "outside working time") {
		t.Errorf("on a Saturday: exit %d, %s", code, out)
	}
	if code, _, errs := alertsRun("--at", friday); code != 1 || !strings.Contains(errs, "nothing to send to") {
		t.Errorf("without a token or webhook: exit %d, %s", code, errs)
	}
	if code, _, errs := alertsRun("--dry-run", "--at", "2026-11-27 10:00"); code != 1 || !strings.Contains(errs, "RFC 3339") {
		t.Errorf("a bad --at: exit %d, %s", code, errs)
	}
}

// TestReportWeeklyCommand writes the weekly report of a week as JSON and
// XLSX, and refuses a bad week.
func TestReportWeeklyCommand(t *testing.T) {
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	ctx := t.Context()
	wh, err := warehouse.Open(ctx, warehousetest.Config(t, db))
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
	ev := motcua.Event{EventID: "r1", DossierID: "D-TUAN", Type: motcua.Received, At: time.Date(2024, 3, 5, 9, 0, 0, 0, motcua.Location),
		Unit: "P1", Procedure: "XA.001", Official: "CB.P1.01", Channel: motcua.Online, Source: "test"}
	if _, err := wh.InsertEvents(ctx, []motcua.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{"D-TUAN"}, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	report := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"report", "weekly", "--clickhouse", addr, "--database", db}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := report("--week", "2024-W10", "--unit", "P1", "--format", "json", "--out", "-"); code != 0 ||
		!strings.Contains(out, `"official": "CB.P1.01"`) || !strings.Contains(out, `"online": 1`) || !strings.Contains(out, `"working_days": 5`) {
		t.Fatalf("json: exit %d\n%s\n%s", code, out, errs)
	}
	file := t.TempDir() + "/tuan.xlsx"
	if code, out, errs := report("--week", "2024-W10", "--out", file); code != 0 || !strings.Contains(out, "Tuần 10/2024") {
		t.Fatalf("xlsx: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := report("--week", "2024-10"); code != 1 || !strings.Contains(errs, "want an ISO week such as 2024-W10") {
		t.Errorf("a bad week: exit %d %s", code, errs)
	}
	other := func(kind string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"report", kind, "--clickhouse", addr, "--database", db}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := other("form06", "--period", "month", "--year", "2024", "--n", "3", "--official", "--format", "json", "--out", "-"); code != 0 ||
		!strings.Contains(out, `"field": "Tổng số"`) || !strings.Contains(out, `"online": 1`) || !strings.Contains(out, "15/02/2024") {
		t.Errorf("form06: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := other("text", "--from", "2024-03-01", "--to", "2024-03-31"); code != 0 ||
		!strings.Contains(out, "Tại Bộ phận Một cửa các xã, phường: Tổng số hồ sơ thủ tục hành chính đã tiếp nhận trong kỳ là 1 hồ sơ") {
		t.Errorf("text: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := report("--week", "2024-W10", "--send", "--webhook-url", "http://127.0.0.1:1/"); code != 0 ||
		!strings.Contains(out, "sent to 0 unit heads; not sent: P1: không có người nhận") {
		t.Errorf("--send with nobody to send to: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := other("form06"); code != 1 || !strings.Contains(errs, "give the period") {
		t.Errorf("form06 without a period: exit %d %s", code, errs)
	}
}
