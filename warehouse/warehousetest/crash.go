package warehousetest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/warehouse/chlocal"
)

// Own starts a ClickHouse server of the test's own under dir, for tests that
// crash, stop or starve it; it is stopped when the test ends. The test fails
// in CI, and is skipped elsewhere, when no server can start.
func Own(t testing.TB, dir string) *chlocal.Server {
	t.Helper()
	srv, err := chlocal.Start(context.Background(), dir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot start a ClickHouse of the test's own: %v", err)
		}
		t.Skipf("skipping: cannot start a ClickHouse of the test's own (%v)", err)
	}
	t.Cleanup(func() { srv.Stop() })
	return srv
}

// PID returns the process id of the ClickHouse server whose folder is dir.
func PID(t testing.TB, dir string) int {
	t.Helper()
	abs, _ := filepath.Abs(dir)
	want := []byte("--config-file=" + filepath.Join(abs, "config.xml"))
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, want) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err == nil {
			return pid
		}
	}
	t.Fatalf("no ClickHouse process runs with its folder in %s", dir)
	return 0
}

// Crash kills the server of dir with SIGKILL, as a crash or the kernel's OOM
// killer would, then starts it again on the same data and ports.
func Crash(t testing.TB, srv *chlocal.Server, dir string) {
	t.Helper()
	if err := syscall.Kill(PID(t, dir), syscall.SIGKILL); err != nil {
		t.Fatalf("cannot kill ClickHouse: %v", err)
	}
	srv.Stop() // reaps the killed process
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := srv.Restart(ctx); err != nil {
		t.Fatalf("cannot start ClickHouse again after the crash: %v", err)
	}
}
