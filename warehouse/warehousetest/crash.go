package warehousetest

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
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

// OpenOwn returns a migrated warehouse, with the Duyên Hải catalogue, in
// database motcua of a server of the test's own (Own).
func OpenOwn(t testing.TB, srv *chlocal.Server) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, warehouse.Config{Addr: srv.Addr(), Password: srv.Password(), Database: "motcua"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SaveCatalog(ctx, c, "test"); err != nil {
		t.Fatal(err)
	}
	return w
}

// Crash kills the server with SIGKILL, as a crash or the kernel's OOM
// killer would, then starts it again on the same data and ports.
func Crash(t testing.TB, srv *chlocal.Server) {
	t.Helper()
	if err := syscall.Kill(srv.PID(), syscall.SIGKILL); err != nil {
		t.Fatalf("cannot kill ClickHouse: %v", err)
	}
	srv.Stop() // reaps the killed process
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := srv.Restart(ctx); err != nil {
		t.Fatalf("cannot start ClickHouse again after the crash: %v", err)
	}
}

// ClusterName is the name of the cluster that Cluster starts.
const ClusterName = "motcua"

// Cluster starts ZooKeeper and two ClickHouse servers of the test's own as
// the two shards of the cluster ClusterName, all stopped when the test ends.
// The test fails in CI, and is skipped elsewhere, when they cannot start.
func Cluster(t testing.TB) []*chlocal.Server {
	t.Helper()
	skip := func(err error) {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot start a cluster of the test's own: %v", err)
		}
		t.Skipf("skipping: cannot start a cluster of the test's own (%v)", err)
	}
	zk, err := chlocal.StartZooKeeper(context.Background(), t.TempDir())
	if err != nil {
		skip(err)
	}
	t.Cleanup(zk.Stop)
	servers, err := chlocal.StartCluster(context.Background(), t.TempDir(), ClusterName, 2, zk.Addr())
	if err != nil {
		skip(err)
	}
	t.Cleanup(func() {
		for _, s := range servers {
			s.Stop()
		}
	})
	return servers
}
