package server_test

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// ClickHouse stopped (SIGSTOP) while a batch comes in: the request answers
// 503 with Retry-After once the insert's deadline passes, instead of hanging
// until ClickHouse continues; after SIGCONT the resent batch is stored once.
func TestStalledClickHouseGets503AndResendStoresOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("stops a ClickHouse server of its own")
	}
	srv := warehousetest.Own(t, t.TempDir())
	ctx := t.Context()
	wh := warehousetest.OpenOwn(t, srv)
	url := start(t, wh, server.Config{Ingest: ingest.Config{InsertTimeout: 2 * time.Second}})
	body := []byte(line("s1", "S-1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`) +
		line("s2", "S-1", "resolved", "2022-03-02T08:00:00+07:00", "P1", ""))

	pid := srv.PID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	defer func() {
		if stopped {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	a := post(t, url, "", body)
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
		t.Errorf("with ClickHouse stopped: got %d %+v (Retry-After %q), want 503 with Retry-After", a.status, a.Answer, a.header.Get("Retry-After"))
	}
	syscall.Kill(pid, syscall.SIGCONT)
	stopped = false

	deadline := time.Now().Add(60 * time.Second)
	for {
		a = post(t, url, "", body)
		if a.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after SIGCONT the batch is still refused: %d %+v", a.status, a.Answer)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n, err := wh.CountEvents(ctx); err != nil || n != 2 {
		t.Errorf("stored events after the resend: %d (%v), want 2", n, err)
	}
}
