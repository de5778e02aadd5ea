package chlocal

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log sink that the restart goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startOrSkip(t *testing.T, opts ...Option) *Server {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skipf("skipping: %v", err)
	}
	s, err := Start(t.Context(), t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// query runs q on the server's HTTP interface and returns its answer.
func query(s *Server, q string) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Post("http://"+s.HTTPAddr()+"/?user="+User+"&password="+url.QueryEscape(s.Password()), "text/plain", strings.NewReader(q))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", &httpError{resp.Status + ": " + string(b)}
	}
	return strings.TrimSpace(string(b)), err
}

type httpError struct{ s string }

func (e *httpError) Error() string { return e.s }

// TestRestartsAfterKill kills the server's process group with SIGKILL: it
// answers again, on the same port and with the same data, within a bounded
// wait, and the restart is logged. After Stop, nothing restarts it.
func TestRestartsAfterKill(t *testing.T) {
	var logs syncBuffer
	s := startOrSkip(t, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if _, err := query(s, "CREATE TABLE default.kept (x UInt8) ENGINE = MergeTree ORDER BY x"); err != nil {
		t.Fatal(err)
	}
	if _, err := query(s, "INSERT INTO default.kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	old := s.proc
	s.mu.Unlock()
	if err := syscall.Kill(-old.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-old.done
	deadline := time.Now().Add(90 * time.Second)
	for {
		got, err := query(s, "SELECT sum(x) FROM default.kept")
		if err == nil {
			if got != "7" {
				t.Errorf("after the restart the table holds %q, want 7", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClickHouse does not answer 90 s after kill -9: %v; log: %s", err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The new process answers a moment before the watcher records it.
	var now *process
	for wait := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s.mu.Lock()
		now = s.proc
		s.mu.Unlock()
		if now != old || time.Now().After(wait) {
			break
		}
	}
	if now == old || now.cmd.Process.Pid == old.cmd.Process.Pid {
		t.Error("the process answering is the one that was killed")
	}
	if !strings.Contains(logs.String(), "ClickHouse exited unexpectedly; starting it again") || !strings.Contains(logs.String(), "ClickHouse is up again") {
		t.Errorf("the restart is not logged: %s", logs.String())
	}

	s.Stop()
	<-now.done
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("something answers on the native port after Stop")
	}
	if s.proc != nil {
		t.Error("a process is left after Stop")
	}
}

// TestPassword: the server takes its user's password only, which is kept
// 0600 under the data folder and reused by the next start over it; the
// configuration files are readable by their owner only.
func TestPassword(t *testing.T) {
	s := startOrSkip(t)
	if len(s.Password()) < 32 {
		t.Fatalf("password %d characters long", len(s.Password()))
	}
	for _, f := range []string{"password", "config.xml", "users.xml"} {
		fi, err := os.Stat(s.dir + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	if _, err := query(s, "SELECT 1"); err != nil {
		t.Fatalf("with the password: %v", err)
	}
	resp, err := http.Post("http://"+s.HTTPAddr()+"/", "text/plain", strings.NewReader("SELECT 1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("a query without the password was answered")
	}
	pass, dir := s.Password(), s.dir
	s.Stop()
	again, err := Start(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	if again.Password() != pass {
		t.Error("the next start over the same folder made a new password")
	}
	if _, err := query(again, "SELECT 1"); err != nil {
		t.Errorf("after the next start: %v", err)
	}
}

// TestHelperHoldsServer is not a test: TestStartAfterOwnerKilled runs the
// test binary again with MOTCUA_CHLOCAL_HELPER_DIR set, as a motcua that
// starts a server and then is killed.
func TestHelperHoldsServer(t *testing.T) {
	dir := os.Getenv("MOTCUA_CHLOCAL_HELPER_DIR")
	if dir == "" {
		t.Skip("run by TestStartAfterOwnerKilled")
	}
	if _, err := Start(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/helper-ready", nil, 0o600)
	time.Sleep(time.Hour)
}

// A motcua killed with -9 leaves its ClickHouse running (or shutting down)
// over the folder; the next start over the same folder stops it and starts
// anew instead of failing on the folder's lock.
func TestStartAfterOwnerKilled(t *testing.T) {
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsServer$")
	helper.Env = append(os.Environ(), "MOTCUA_CHLOCAL_HELPER_DIR="+dir)
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, err := os.Stat(dir + "/helper-ready"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			helper.Process.Kill()
			t.Fatal("the helper did not start its ClickHouse")
		}
		time.Sleep(100 * time.Millisecond)
	}
	old := leftover(dir + "/config.xml")
	if old == 0 {
		t.Fatal("no ClickHouse of the helper runs")
	}
	helper.Process.Kill()
	helper.Wait()

	var logs syncBuffer
	s, err := Start(t.Context(), dir, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		syscall.Kill(old, syscall.SIGKILL)
		t.Fatalf("a start over the folder of a killed motcua: %v", err)
	}
	defer s.Stop()
	if pid := leftover(dir + "/config.xml"); pid == old || pid == 0 {
		t.Errorf("the running ClickHouse is %d, the leftover was %d", pid, old)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err != nil {
		t.Errorf("the new server does not answer: %v", err)
	} else {
		c.Close()
	}
}
