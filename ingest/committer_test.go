package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

func (s *gateStore) InsertEvents(_ context.Context, evs []motcua.Event) ([]bool, error) {
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
	dup := make([]bool, len(evs))
	for i, e := range evs {
		dup[i] = s.seen[e.EventID]
		s.seen[e.EventID] = true
	}
	return dup, nil
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
	c := NewCommitter(st, NewMetrics(prometheus.NewRegistry()), 1000)
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
			for len(st.batchesNow()) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	for len(c.queue) < 9 {
		time.Sleep(time.Millisecond)
	}
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
	if res, err := c.Commit(context.Background(), events("x", 2)); !errors.Is(err, want) || res != (Result{}) {
		t.Errorf("got %+v, %v; want nothing and the store's error", res, err)
	}
}
