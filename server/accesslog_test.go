package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestAccessLog: every request is logged with method, path, status,
// duration, client address and source, and no token, query string or body.
func TestAccessLog(t *testing.T) {
	var logs lockedBuffer
	s := server.New(server.Config{Listen: "127.0.0.1:0", Ingest: ingestTokens(), Users: accesstest.Users(t)}, warehousetest.Open(t), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	url := "http://" + s.Addr()
	body := line("BODYMARK-1", "DL1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`)
	req, _ := http.NewRequest("POST", url+"/api/v1/events?partial=true&access_token=QUERYSECRET", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("post: %s", resp.Status)
	}
	if resp, err = accesstest.Get(url + "/api/v1/units"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The line is written once the answer has gone: wait for it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !strings.Contains(logs.String(), "path=/api/v1/units"); {
		time.Sleep(10 * time.Millisecond)
	}
	got := logs.String()
	for _, want := range []string{"method=POST", "path=/api/v1/events", "status=200", "duration=", "client=127.0.0.1:", "source=one-stop",
		"path=/api/v1/units", "user=" + accesstest.LeaderLogin} {
		if !strings.Contains(got, want) {
			t.Errorf("the access log lacks %q: %s", want, got)
		}
	}
	for _, secret := range []string{token, "QUERYSECRET", "BODYMARK", "partial", "Bearer", accesstest.LeaderPassword, "Basic"} {
		if strings.Contains(got, secret) {
			t.Errorf("the access log shows %q: %s", secret, got)
		}
	}
}

func ingestTokens() ingest.Config { return ingest.Config{Tokens: map[string]string{token: "one-stop"}} }
