package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// crashBatches makes n batches of size events each, spread over 36 months.
// An insert writes its part of events, then its part of event_keys through
// the view: a kill between the two leaves events without keys.
func crashBatches(n, size int) [][]motcua.Event {
	start := time.Date(2022, 1, 1, 8, 0, 0, 0, motcua.Location)
	out := make([][]motcua.Event, n)
	for b := range out {
		out[b] = make([]motcua.Event, size)
		for i := range out[b] {
			at := start.AddDate(0, i%36, i%27).Add(time.Duration(i%480) * time.Minute)
			out[b][i] = motcua.Event{EventID: fmt.Sprintf("b%d-e%d", b, i), DossierID: fmt.Sprintf("b%d-d%d", b, i/3),
				Type: motcua.Received, At: at, Unit: "P1", Procedure: "XA.001", Channel: motcua.Online, Source: "one-stop"}
		}
	}
	return out
}

// sender keeps what was acknowledged, as a client that resends every batch
// it got no answer for would.
type sender struct {
	w       *warehouse.Warehouse
	batches [][]motcua.Event
	acked   map[int]bool
	acks    atomic.Int32 // how many batches were acknowledged, read while sendAll runs
	took    atomic.Int64 // how long the last acknowledged batch took, in nanoseconds
}

// sendAll sends every batch not acknowledged yet, in order, and returns at
// the first error, checking that an error never claims that nothing was
// stored once the insert has begun.
func (s *sender) sendAll() error {
	for i, b := range s.batches {
		if s.acked[i] {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		t0 := time.Now()
		_, err := s.w.InsertEvents(ctx, b)
		cancel()
		if err != nil {
			return fmt.Errorf("batch %d: %w", i, err)
		}
		s.acked[i] = true
		s.took.Store(int64(time.Since(t0)))
		s.acks.Add(1)
	}
	return nil
}

// resendUntilAcknowledged resends what is left until ClickHouse takes it.
func (s *sender) resendUntilAcknowledged(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err := s.sendAll()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batches are still refused after 3 minutes: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkOnce checks that each event is in events exactly once, and has its
// key.
func checkOnce(t *testing.T, addr, password, db string, want int) {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: db, Username: "default", Password: password}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var rows, distinct, keys uint64
	if err := conn.QueryRow(t.Context(), "SELECT count(), uniqExact(source, event_id) FROM events").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(t.Context(), "SELECT uniqExact(source, event_id) FROM event_keys").Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if rows != uint64(want) || distinct != uint64(want) || keys != uint64(want) {
		t.Errorf("after the failures and the resends: %d rows in events, %d distinct events, %d keys; want %d of each",
			rows, distinct, keys, want)
	}
}

// ClickHouse killed (-9) in the middle of inserts, three times; the client
// resends every batch that was not acknowledged: each event is stored once.
func TestKilledMidInsertThenResentStoresOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crashes a ClickHouse server of its own")
	}
	srv := warehousetest.Own(t, t.TempDir())
	s := &sender{w: warehousetest.OpenOwn(t, srv), batches: crashBatches(12, 20_000), acked: map[int]bool{}}
	cut := 0
	for range 3 {
		done := make(chan error, 1)
		go func() { done <- s.sendAll() }()
		// The kill comes once one or two more batches are stored, at a random
		// point of the second half of the next one (the insert, after the
		// lookup of its ids; as long as the last batch took): a time of its
		// own could find every batch stored (12 take about a second).
		more := s.acks.Load() + 1 + int32(rand.IntN(2))
		for s.acks.Load() < more && len(done) == 0 {
			time.Sleep(time.Millisecond)
		}
		half := max(s.took.Load()/2, 1)
		time.Sleep(time.Duration(half + rand.Int64N(half)))
		warehousetest.Crash(t, srv)
		if err := <-done; err != nil {
			cut++
			t.Logf("while ClickHouse was killed: %v", err)
			if !errors.Is(err, motcua.ErrPartlyStored) && !errors.Is(err, motcua.ErrUnavailable) {
				t.Errorf("an insert cut by a crash failed with %v: neither unavailable nor possibly partly stored", err)
			}
		}
	}
	if cut == 0 {
		t.Fatal("no kill cut an insert: the test proves nothing")
	}
	s.resendUntilAcknowledged(t)
	checkOnce(t, srv.Addr(), srv.Password(), "motcua", 12*20_000)
}

// A process that died between a failed insert and its repair leaves rows in
// events without their keys; the next process restores them on start
// (Recover), so that the client's resend stores nothing twice.
func TestRecoverRestoresKeysOfAnEarlierProcess(t *testing.T) {
	w := warehousetest.Open(t)
	ctx := t.Context()
	batch := crashBatches(1, 300)[0]
	if _, err := w.InsertEvents(ctx, batch[:200]); err != nil {
		t.Fatal(err)
	}
	// The failed insert's rows: in events, their keys gone.
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{warehousetest.Addr(t)},
		Auth: clickhouse.Auth{Database: w.Database(), Username: "default", Password: warehousetest.Password(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "ALTER TABLE event_keys DELETE WHERE event_id IN (SELECT event_id FROM events WHERE event_id LIKE 'b0-e1__')"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM event_keys").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the keys were not deleted: %d left, want 100", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A new process: Recover, then the client resends the whole batch.
	w2, err := warehouse.Open(ctx, warehousetest.Config(t, w.Database()))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := w2.InsertEvents(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if n := slices.Index(stored, motcua.StoredNew); n != 200 || slices.Contains(stored[:200], motcua.StoredNew) {
		t.Errorf("after Recover, the resend stored events %v..., want the first 200 duplicates and the rest new", stored[:5])
	}
	checkOnce(t, warehousetest.Addr(t), warehousetest.Password(t), w.Database(), 300)
}

// ClickHouse's disk fills up in the middle of inserts; once space is freed,
// the client resends what was not acknowledged: each event is stored once.
func TestDiskFullThenResentStoresOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a disk of its own")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", data).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot mount a small tmpfs for ClickHouse's data: %v: %s", err, out)
		}
		t.Skipf("skipping: cannot mount a small tmpfs for ClickHouse's data (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", data).Run() })
	srv := warehousetest.Own(t, dir)
	s := &sender{w: warehousetest.OpenOwn(t, srv), batches: crashBatches(12, 20_000), acked: map[int]bool{}}
	// Leave about 3 MB free: a few batches fit, then the disk is full.
	var st syscall.Statfs_t
	if err := syscall.Statfs(data, &st); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(data, "filler")
	if err := os.WriteFile(filler, make([]byte, int64(st.Bavail)*st.Bsize-3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	failures := 0
	for failures < 3 && len(s.acked) < len(s.batches) {
		if err := s.sendAll(); err != nil {
			failures++
			t.Logf("with the disk full: %v", err)
			if !errors.Is(err, motcua.ErrPartlyStored) && !errors.Is(err, motcua.ErrUnavailable) {
				t.Errorf("an insert that met a full disk failed with %v: neither unavailable nor possibly partly stored", err)
			}
		}
	}
	if failures == 0 {
		t.Fatal("the disk never filled up: the test proves nothing")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	s.resendUntilAcknowledged(t)
	checkOnce(t, srv.Addr(), srv.Password(), "motcua", 12*20_000)
}
