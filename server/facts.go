package server

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
)

// FactStore is what the refresher needs of the warehouse.
type FactStore interface {
	RefreshDossiers(ctx context.Context, ids []string, cat *motcua.Catalog, cal *motcua.Calendar) (int, error)
	StaleDossiers(ctx context.Context, margin time.Duration) ([]string, error)
}

// refresher keeps dossier_facts up to date with the events: ingest marks the
// dossiers it stored, and a loop folds them again about once a second, less
// often under heavy ingest (it waits three times as long as its last round
// took, so that it never takes more than a quarter of the time from ingest).
// On start it catches up with what was ingested while no refresher ran.
type refresher struct {
	store FactStore
	state func() *current
	log   func(msg string, args ...any)

	seconds prometheus.Histogram
	pending prometheus.GaugeFunc

	mu    sync.Mutex
	dirty map[string]struct{}
	idle  *sync.Cond
	busy  bool
}

func newRefresher(store FactStore, state func() *current, log func(string, ...any), reg prometheus.Registerer) *refresher {
	r := &refresher{store: store, state: state, log: log, dirty: map[string]struct{}{}}
	r.idle = sync.NewCond(&r.mu)
	r.seconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "motcua_facts_refresh_duration_seconds",
		Help:    "Time of one round of folding changed dossiers into their figures.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
	})
	r.pending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "motcua_facts_pending_dossiers",
		Help: "Dossiers with stored events whose figures are not refreshed yet.",
	}, func() float64 {
		r.mu.Lock()
		defer r.mu.Unlock()
		return float64(len(r.dirty))
	})
	reg.MustRegister(r.seconds, r.pending)
	return r
}

// mark records the dossiers of stored events as changed.
func (r *refresher) mark(evs []motcua.Event) {
	r.mu.Lock()
	for i := range evs {
		r.dirty[evs[i].DossierID] = struct{}{}
	}
	r.mu.Unlock()
}

// flush refreshes every dossier marked so far and returns when done.
func (r *refresher) flush(ctx context.Context) error {
	r.mu.Lock()
	for r.busy {
		r.idle.Wait()
	}
	r.busy = true
	ids := make([]string, 0, len(r.dirty))
	for id := range r.dirty {
		ids = append(ids, id)
	}
	clear(r.dirty)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.busy = false
		r.idle.Broadcast()
		r.mu.Unlock()
	}()
	if len(ids) == 0 {
		return nil
	}
	cur := r.state()
	start := time.Now()
	_, err := r.store.RefreshDossiers(ctx, ids, cur.cat, cur.cal)
	r.seconds.Observe(time.Since(start).Seconds())
	if err != nil {
		r.mu.Lock()
		for _, id := range ids {
			r.dirty[id] = struct{}{}
		}
		r.mu.Unlock()
		return err
	}
	return nil
}

func (r *refresher) run(stop <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-stop; cancel() }()
	if ids, err := r.store.StaleDossiers(ctx, 10*time.Minute); err != nil {
		r.log("cannot find dossiers to catch up with", "err", err)
	} else if len(ids) > 0 {
		r.mu.Lock()
		for _, id := range ids {
			r.dirty[id] = struct{}{}
		}
		r.mu.Unlock()
	}
	for {
		start := time.Now()
		if err := r.flush(ctx); err != nil && ctx.Err() == nil {
			r.log("cannot refresh dossier figures; will retry", "err", err)
		}
		select {
		case <-stop:
			return
		case <-time.After(max(time.Second, 3*time.Since(start))):
		}
	}
}
