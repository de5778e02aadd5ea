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
	FactsWatermark(ctx context.Context) (time.Time, error)
	Unfolded(ctx context.Context, since time.Time) ([]string, error)
	SetFactsWatermark(ctx context.Context, since, start time.Time) error
}

// refresher keeps dossier_facts up to date with the events: ingest marks the
// dossiers it stored, and a loop folds them again about once a second, less
// often under heavy ingest (it waits three times as long as its last round
// took, so that it never takes more than a quarter of the time from ingest).
//
// Marks live in memory and die with the process, so the refresher also
// catches up from the stored events: at start and then every sweep interval
// it folds every dossier whose facts trail its events, from the facts
// watermark on (Warehouse.Unfolded), and moves the watermark. Whatever
// crashed when, every stored event's dossier reaches the figures within one
// catch-up of the process being up.
type refresher struct {
	store FactStore
	state func() *current
	log   func(msg string, args ...any)
	every time.Duration // between catch-ups

	seconds   prometheus.Histogram
	pending   prometheus.GaugeFunc
	watermark prometheus.Gauge

	mu       sync.Mutex
	dirty    map[string]struct{}
	idle     *sync.Cond
	busy     bool
	caughtUp bool      // a catch-up has succeeded since start
	upto     time.Time // the watermark, as last read or written
}

func newRefresher(store FactStore, state func() *current, log func(string, ...any), reg prometheus.Registerer, every time.Duration) *refresher {
	if every <= 0 {
		every = 30 * time.Second
	}
	r := &refresher{store: store, state: state, log: log, every: every, dirty: map[string]struct{}{}}
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
	r.watermark = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "motcua_facts_watermark_timestamp_seconds",
		Help: "Every event ingested before this time (Unix seconds) has its dossier in the figures; 0 until the first catch-up after start.",
	})
	reg.MustRegister(r.seconds, r.pending, r.watermark)
	return r
}

// FiguresStatus says how far the figures trail the stored events.
type FiguresStatus struct {
	// CaughtUp is false from start until the first catch-up with the stored
	// events has succeeded: until then figures may miss dossiers.
	CaughtUp bool `json:"caught_up"`
	// PendingDossiers have stored events not folded into the figures yet.
	PendingDossiers int `json:"pending_dossiers"`
	// CompleteBefore: every event ingested before it is in the figures.
	CompleteBefore time.Time `json:"complete_before,omitzero"`
}

func (r *refresher) status() FiguresStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return FiguresStatus{CaughtUp: r.caughtUp, PendingDossiers: len(r.dirty), CompleteBefore: r.upto}
}

// catchUp folds the dossiers whose figures trail their stored events, then
// moves the watermark.
func (r *refresher) catchUp(ctx context.Context) error {
	start := time.Now()
	since, err := r.store.FactsWatermark(ctx)
	if err != nil {
		return err
	}
	ids, err := r.store.Unfolded(ctx, since)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for _, id := range ids {
		r.dirty[id] = struct{}{}
	}
	r.mu.Unlock()
	if len(ids) > 0 {
		r.log("folding dossiers whose figures trail their events", "dossiers", len(ids), "since", since)
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	if err := r.store.SetFactsWatermark(ctx, since, start); err != nil {
		return err
	}
	upto, err := r.store.FactsWatermark(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.caughtUp, r.upto = true, upto
	r.mu.Unlock()
	r.watermark.Set(float64(upto.Unix()))
	return nil
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
	var lastCatchUp time.Time
	for {
		start := time.Now()
		if start.Sub(lastCatchUp) >= r.every {
			if err := r.catchUp(ctx); err != nil && ctx.Err() == nil {
				r.log("cannot catch up with the stored events; will retry", "err", err)
			} else {
				lastCatchUp = start
			}
		}
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
