// Package warehousetest gives tests a real ClickHouse: the server at
// MOTCUA_CLICKHOUSE (with the password in MOTCUA_CLICKHOUSE_PASSWORD, if any)
// when set, else one that it starts itself with chlocal for the whole test
// binary. Each test gets a database of its own.
package warehousetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/chlocal"
)

var (
	mu     sync.Mutex
	server *chlocal.Server
	dir    string
	addr   string
	pass   string
	failed error
)

// Main runs the tests of a package and stops the server it started, if any.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if server != nil {
		server.Stop()
		os.RemoveAll(dir)
	}
	mu.Unlock()
	os.Exit(code)
}

// Addr returns the address of the test server, starting it when needed. The
// test fails in CI, and is skipped elsewhere, when there is none.
func Addr(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if addr == "" && failed == nil {
		if a := os.Getenv("MOTCUA_CLICKHOUSE"); a != "" {
			addr, pass = a, os.Getenv("MOTCUA_CLICKHOUSE_PASSWORD")
		} else {
			dir, failed = os.MkdirTemp("", "motcua-clickhouse-")
			if failed == nil {
				server, failed = chlocal.Start(context.Background(), dir)
			}
			if failed == nil {
				addr, pass = server.Addr(), server.Password()
			}
		}
	}
	if failed != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no ClickHouse for the test: %v", failed)
		}
		t.Skipf("skipping: no ClickHouse for the test (%v); set MOTCUA_CLICKHOUSE or install clickhouse-server", failed)
	}
	return addr
}

// Password returns the password of the test server's user, "" for none.
func Password(t testing.TB) string {
	t.Helper()
	Addr(t)
	mu.Lock()
	defer mu.Unlock()
	return pass
}

// Config returns the warehouse configuration of a database on the test
// server: its address and password.
func Config(t testing.TB, database string) warehouse.Config {
	t.Helper()
	return warehouse.Config{Addr: Addr(t), Password: Password(t), Database: database}
}

// NewDatabase returns a fresh database name on the test server, dropped when
// the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	a, p := Addr(t), Password(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{a}, Auth: clickhouse.Auth{Username: "default", Password: p}})
		if err == nil {
			conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name)
			conn.Close()
		}
	})
	return name
}

// Open returns a migrated warehouse in a fresh database with the Duyên Hải
// catalogue loaded.
func Open(t testing.TB) *warehouse.Warehouse {
	t.Helper()
	w := OpenEmpty(t)
	c, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SaveCatalog(context.Background(), c, "test"); err != nil {
		t.Fatal(err)
	}
	return w
}

// OpenEmpty returns a migrated warehouse in a fresh database, with no catalogue.
func OpenEmpty(t testing.TB) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, Config(t, NewDatabase(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Migrate(ctx); err != nil {
		t.Fatal(fmt.Errorf("migrate: %w", err))
	}
	return w
}
