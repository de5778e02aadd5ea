package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/motcua/motcua"
)

// gateStore blocks its first insert until released, and records batch sizes.
type gateStore struct {
	mu      sync.Mutex
	batches []int
	gate    chan struct{}
	seen    map[string]bool
	fail    error
}

func (s *gateStore) InsertEvents(_ context.Context, evs []motcua.Event) ([]motcua.Stored, error) {
	s.mu.Lock()
	first := len(s.batches) == 0
	s.batches = append(s.batches, len(evs))
	s.mu.Unlock()
	if first {
		<-s.gate
	}
	if s.fail != nil {
		return nil, s.fail
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]motcua.Stored, len(evs))
	for i, e := range evs {
		if s.seen[e.EventID] {
			out[i] = motcua.StoredDuplicate
		}
		s.seen[e.EventID] = true
	}
	return out, nil
}

func events(prefix string, n int) []motcua.Event {
	evs := make([]motcua.Event, n)
	for i := range evs {
		evs[i].EventID = prefix + string(rune('a'+i))
	}
	return evs
}

func TestCommitterGroupsConcurrentRequests(t *testing.T) {
	st := &gateStore{gate: make(chan struct{}), seen: map[string]bool{}}
	m := NewMetrics(prometheus.NewRegistry())
	c := NewCommitter(st, m, 1000)
	c.Start()
	defer c.Stop()

	var wg sync.WaitGroup
	results := make([]Result, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Request 9 repeats request 8's ids: duplicates across requests of one insert.
			p := string(rune('A' + min(i, 8)))
			res, err := c.Commit(context.Background(), events(p, 3))
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
		if i == 0 { // let the first insert start and block
			waitFor(t, "the first insert to start", func() bool { return len(st.batchesNow()) > 0 })
		}
	}
	waitFor(t, "nine requests to queue", func() bool { return testutil.ToFloat64(m.Queued) == 9 })
	close(st.gate)
	wg.Wait()
	if b := st.batchesNow(); len(b) != 2 || b[0] != 3 || b[1] != 27 {
		t.Errorf("inserts: got batches %v, want [3 27]", b)
	}
	acc, dup := 0, 0
	for _, r := range results {
		acc += r.Accepted
		dup += r.Duplicates
	}
	if acc != 27 || dup != 3 {
		t.Errorf("accepted %d, duplicates %d; want 27 and 3", acc, dup)
	}
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (s *gateStore) batchesNow() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.batches...)
}

func TestCommitterFailsWholeRequests(t *testing.T) {
	want := errors.New("down")
	st := &gateStore{gate: make(chan struct{}), seen: map[string]bool{}, fail: want}
	close(st.gate)
	c := NewCommitter(st, NewMetrics(prometheus.NewRegistry()), 0)
	c.Start()
	defer c.Stop()
	if res, err := c.Commit(context.Background(), events("x", 2)); !errors.Is(err, want) || res.Accepted+res.Duplicates+len(res.Conflicts) != 0 {
		t.Errorf("got %+v, %v; want nothing and the store's error", res, err)
	}
}

// stepStore holds each insert until the test lets it go (or closes free),
// and records the events of each.
type stepStore struct {
	mu      sync.Mutex
	batches [][]string
	next    chan struct{}
	free    chan struct{}
}

func (s *stepStore) InsertEvents(_ context.Context, evs []motcua.Event) ([]motcua.Stored, error) {
	ids := make([]string, len(evs))
	for i := range evs {
		ids[i] = evs[i].EventID
	}
	s.mu.Lock()
	s.batches = append(s.batches, ids)
	s.mu.Unlock()
	select {
	case <-s.next:
	case <-s.free:
	}
	return make([]motcua.Stored, len(evs)), nil
}

func (s *stepStore) inserts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

// size returns the events of insert i.
func (s *stepStore) size(i int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches[i])
}

func TestCommitterWaitsForTheClientsOfTheLastInsert(t *testing.T) {
	st := &stepStore{next: make(chan struct{}), free: make(chan struct{})}
	m := NewMetrics(prometheus.NewRegistry())
	c := NewCommitter(st, m, 1000)
	c.maxLinger = time.Minute
	c.Start()
	defer c.Stop()
	defer close(st.free) // lets every insert go when the test ends, failed or not

	commit := func(prefix string) chan error {
		done := make(chan error, 1)
		go func() {
			_, err := c.Commit(context.Background(), events(prefix, 2))
			done <- err
		}()
		return done
	}
	wait := func(dones ...chan error) {
		t.Helper()
		for _, d := range dones {
			if err := <-d; err != nil {
				t.Fatal(err)
			}
		}
	}

	// A's insert runs while B, C and D queue; they go in the next insert,
	// which takes a second: the one after it may wait up to half a second.
	a := commit("A")
	waitFor(t, "the first insert", func() bool { return st.inserts() == 1 })
	b, cc, d := commit("B"), commit("C"), commit("D")
	waitFor(t, "three requests to queue", func() bool { return testutil.ToFloat64(m.Queued) == 3 })
	st.next <- struct{}{}
	wait(a)
	waitFor(t, "the second insert", func() bool { return st.inserts() == 2 })
	time.Sleep(time.Second)
	st.next <- struct{}{}
	wait(b, cc, d)

	// B, C and D come back one after the other: one insert takes them all.
	b = commit("B2")
	waitFor(t, "the committer to take B2", func() bool { return testutil.ToFloat64(m.Queued) == 0 })
	cc, d = commit("C2"), commit("D2")
	waitFor(t, "the third insert", func() bool { return st.inserts() == 3 })
	if n := st.size(2); n != 6 {
		t.Fatalf("the third insert holds %d events, want 6: B2, C2 and D2's", n)
	}
	st.next <- struct{}{}
	wait(b, cc, d)

	// Only B comes back: it is stored all the same, once the wait is over.
	b = commit("B3")
	waitFor(t, "the fourth insert", func() bool { return st.inserts() == 4 })
	st.next <- struct{}{}
	wait(b)
	if n := st.size(3); n != 2 {
		t.Errorf("the fourth insert holds %d events, want 2: B3's", n)
	}
}
