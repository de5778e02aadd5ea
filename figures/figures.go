// Package figures keeps motcua's figures: the catalogue in force with its
// working-day calendar, and the dossier figures (dossier_facts) up to date
// with the stored events. `serve`, `import`, the demo, and the coming pages,
// alerts and reports all take the catalogue and the calendar from here, so
// that every count follows one set of rules.
//
// Ingest marks the dossiers it stored, and a loop folds them again about
// twice a second, less often under heavy ingest (it waits three times as long
// as its last round took, at most three seconds, so that it takes about a
// quarter of the time from ingest). Marks live in memory and die with the process, so the loop
// also catches up from the stored events: at start and then every
// CatchUpEvery it folds every dossier whose figures trail its events, from a
// stored watermark on. When the catalogue's working hours, holidays or
// processing times change, it folds every dossier again, and records which
// rules the figures follow.
package figures

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
)

// Store is what the figures need of the warehouse.
type Store interface {
	Catalog(ctx context.Context) (*motcua.Catalog, error)
	RefreshDossiers(ctx context.Context, ids []string, cat *motcua.Catalog, cal *motcua.Calendar) (int, error)
	FactsWatermark(ctx context.Context) (time.Time, error)
	Unfolded(ctx context.Context, since time.Time) ([]string, error)
	SetFactsWatermark(ctx context.Context, since, start time.Time) (time.Time, error)
	FactsCalendar(ctx context.Context) (string, error)
	RefoldAll(ctx context.Context, cat *motcua.Catalog, progress func(done, total int)) (int, error)
	ForwardChanged(ctx context.Context, ids []string) error
	ChangedSince(ctx context.Context, since time.Time) ([]string, error)
	FolderAlive(ctx context.Context, process string, keep int) error
	OtherFolder(ctx context.Context, process string, since time.Time) (string, time.Time, error)
}

// Config configures the figures.
type Config struct {
	// CatalogRefresh is how often the catalogue is read again from the
	// warehouse, to pick up `motcua catalog load`; default one minute.
	CatalogRefresh time.Duration
	// CatchUpEvery is how often the figures catch up with every stored
	// event; default 30 seconds.
	CatchUpEvery time.Duration
	// NoFold is for every process on a database but one: another process
	// folds the figures, and this one records the dossiers whose events it
	// stored for it (changed_dossiers) and reads how fresh the figures are.
	// Two processes that fold at once would cancel a dossier's old figures
	// twice; a process that folds refuses to start while another does.
	NoFold bool
	// Process names this process among those on the database; default
	// HOST:PID.
	Process string
}

// folderTimeout is how long after its last word a folding process counts as
// gone: four catch-ups at the default rate.
const folderTimeout = 2 * time.Minute

// gone reports whether a process named HOST:PID (Config.Process) ran on
// this host and no longer runs: a serve that restarts after a crash does
// not wait for its own old word to expire.
func gone(process string) bool {
	host, pid, ok := strings.Cut(process, ":")
	me, _ := os.Hostname()
	n, err := strconv.Atoi(pid)
	if !ok || host != me || err != nil || n <= 0 {
		return false
	}
	return syscall.Kill(n, 0) == syscall.ESRCH
}

// ErrOtherFolder is returned by Open when another process folds the figures
// of the database.
var ErrOtherFolder = errors.New("another motcua process folds the figures of this database")

// ErrNoCatalog is returned by Open when no catalogue was ever loaded.
var ErrNoCatalog = errors.New("cannot start: no catalogue is loaded; run `motcua catalog load DIR` first")

// Figures is the catalogue in force and the refresher of dossier figures.
type Figures struct {
	cfg   Config
	store Store
	log   *slog.Logger

	cur atomic.Pointer[current]

	seconds   prometheus.Histogram
	watermark prometheus.Gauge
	refolds   prometheus.Counter

	mu        sync.Mutex
	dirty     map[string]struct{}
	idle      *sync.Cond
	busy      bool
	caughtUp  bool      // a catch-up has succeeded since start
	upto      time.Time // the watermark, as last read or written
	foldedFor string    // fingerprint of the rules the stored figures follow
	refold    *Refold   // progress of the refold that runs, if one does
	// changedRead is when the folding process last read changed_dossiers.
	changedRead time.Time

	stop chan struct{}
	wg   sync.WaitGroup
}

// current is the catalogue in force and its calendar.
type current struct {
	cat *motcua.Catalog
	cal *motcua.Calendar
	fp  string // the rules' fingerprint (motcua.Catalog.RulesFingerprint)
}

// New returns the figures over store; Open reads the catalogue, Start runs
// the loops. Its metrics go to reg.
func New(store Store, cfg Config, log *slog.Logger, reg prometheus.Registerer) *Figures {
	if cfg.CatalogRefresh <= 0 {
		cfg.CatalogRefresh = time.Minute
	}
	if cfg.CatchUpEvery <= 0 {
		cfg.CatchUpEvery = 30 * time.Second
	}
	if cfg.Process == "" {
		host, _ := os.Hostname()
		cfg.Process = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	f := &Figures{cfg: cfg, store: store, log: log, dirty: map[string]struct{}{}, stop: make(chan struct{})}
	f.idle = sync.NewCond(&f.mu)
	f.seconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "motcua_facts_refresh_duration_seconds",
		Help:    "Time of one round of folding changed dossiers into their figures.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
	})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "motcua_facts_pending_dossiers",
		Help: "Dossiers with stored events whose figures are not refreshed yet.",
	}, func() float64 {
		f.mu.Lock()
		defer f.mu.Unlock()
		return float64(len(f.dirty))
	})
	f.watermark = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "motcua_facts_watermark_timestamp_seconds",
		Help: "Every event ingested before this time (Unix seconds) has its dossier in the figures; 0 until the first catch-up after start.",
	})
	f.refolds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "motcua_facts_refolds_total",
		Help: "Times every dossier was folded again because the working hours, holidays or processing times changed.",
	})
	reg.MustRegister(f.seconds, pending, f.watermark, f.refolds)
	return f
}

// Open reads the catalogue in force and which rules the stored figures
// follow. When those are not the catalogue's, FollowRules (which the loop of
// Start runs) folds every dossier again; until then Status says so.
func (f *Figures) Open(ctx context.Context) error {
	if err := f.Reload(ctx); err != nil {
		return err
	}
	if f.cur.Load() == nil {
		return ErrNoCatalog
	}
	fp, err := f.store.FactsCalendar(ctx)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.foldedFor = fp
	f.mu.Unlock()
	if !f.cfg.NoFold {
		other, at, err := f.store.OtherFolder(ctx, f.cfg.Process, time.Now().Add(-folderTimeout))
		if err != nil {
			return err
		}
		if other != "" && !gone(other) {
			return fmt.Errorf("%w: %s, which said so at %s; set figures.fold to false in all processes but one, "+
				"or wait %s after that process stopped (README, Scale)",
				ErrOtherFolder, other, at.In(motcua.Location).Format("15:04:05 02/01/2006"), folderTimeout)
		}
	}
	return nil
}

// Start runs the loops: catalogue refresh, folding and catching up. Open
// first.
func (f *Figures) Start() {
	f.wg.Add(2)
	go f.catalogLoop()
	go f.foldLoop()
}

// Stop stops the loops and waits for the round under way.
func (f *Figures) Stop() {
	close(f.stop)
	f.wg.Wait()
}

// Catalog returns the catalogue in force.
func (f *Figures) Catalog() *motcua.Catalog {
	if c := f.cur.Load(); c != nil {
		return c.cat
	}
	return nil
}

// Calendar returns the working-day calendar of the catalogue in force.
func (f *Figures) Calendar() *motcua.Calendar {
	if c := f.cur.Load(); c != nil {
		return c.cal
	}
	return nil
}

// Reload reads the catalogue from the warehouse now.
func (f *Figures) Reload(ctx context.Context) error {
	c, err := f.store.Catalog(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		f.cur.Store(&current{cat: c, cal: c.Calendar(), fp: c.RulesFingerprint()})
	}
	return nil
}

// Mark records the dossiers of stored events as changed: the next round
// folds them.
func (f *Figures) Mark(evs []motcua.Event) {
	f.mu.Lock()
	for i := range evs {
		f.dirty[evs[i].DossierID] = struct{}{}
	}
	f.mu.Unlock()
}

// Status says how far the figures trail the stored events.
type Status struct {
	// CaughtUp is false from start until the first catch-up with the stored
	// events has succeeded: until then figures may miss dossiers.
	CaughtUp bool `json:"caught_up"`
	// PendingDossiers have stored events not folded into the figures yet.
	PendingDossiers int `json:"pending_dossiers"`
	// CompleteBefore: every event ingested before it is in the figures.
	CompleteBefore time.Time `json:"complete_before,omitzero"`
	// RulesCurrent is false while the figures follow other working hours,
	// holidays or processing times than the catalogue in force (until every
	// dossier is folded again).
	RulesCurrent bool `json:"rules_current"`
	// Refold tells how far the refold under the rules in force is, while
	// one runs.
	Refold *Refold `json:"refold,omitempty"`
}

// Refold is the progress of folding every dossier again: dossiers done of
// about how many.
type Refold struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// CompleteBefore returns the time before which every ingested event is in
// the figures (zero until the first catch-up).
func (f *Figures) CompleteBefore() time.Time { return f.Status().CompleteBefore }

// Refolding tells how far the refold under new rules is, while one runs.
func (f *Figures) Refolding() (done, total int, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refold == nil {
		return 0, 0, false
	}
	return f.refold.Done, f.refold.Total, true
}

// Status says how far the figures trail the stored events.
func (f *Figures) Status() Status {
	cur := f.cur.Load()
	f.mu.Lock()
	defer f.mu.Unlock()
	return Status{CaughtUp: f.caughtUp, PendingDossiers: len(f.dirty), CompleteBefore: f.upto,
		RulesCurrent: cur != nil && cur.fp == f.foldedFor, Refold: f.refold}
}

// acquire waits until no round runs and takes the turn; release gives it
// back. One round at a time: two folds of one dossier at once could cancel
// its old row twice.
func (f *Figures) acquire() {
	f.mu.Lock()
	for f.busy {
		f.idle.Wait()
	}
	f.busy = true
	f.mu.Unlock()
}

func (f *Figures) release() {
	f.mu.Lock()
	f.busy = false
	f.idle.Broadcast()
	f.mu.Unlock()
}

// changedMargin is how far before its last read the folding process reads
// changed_dossiers again: a row stamped before a read may commit after it.
const changedMargin = 10 * time.Second

// Flush folds every dossier marked so far, and those that other processes
// recorded as changed, and returns when done; with NoFold it records the
// marked ones for the folding process instead.
func (f *Figures) Flush(ctx context.Context) error {
	f.acquire()
	defer f.release()
	if !f.cfg.NoFold {
		read := time.Now()
		others, err := f.store.ChangedSince(ctx, f.changedRead.Add(-changedMargin))
		if err != nil {
			return err
		}
		f.mu.Lock()
		for _, id := range others {
			f.dirty[id] = struct{}{}
		}
		f.mu.Unlock()
		f.changedRead = read
	}
	f.mu.Lock()
	ids := make([]string, 0, len(f.dirty))
	for id := range f.dirty {
		ids = append(ids, id)
	}
	clear(f.dirty)
	f.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	cur := f.cur.Load()
	start := time.Now()
	var err error
	if f.cfg.NoFold {
		err = f.store.ForwardChanged(ctx, ids)
	} else {
		_, err = f.store.RefreshDossiers(ctx, ids, cur.cat, cur.cal)
	}
	f.seconds.Observe(time.Since(start).Seconds())
	if err != nil {
		f.mu.Lock()
		for _, id := range ids {
			f.dirty[id] = struct{}{}
		}
		f.mu.Unlock()
		return err
	}
	return nil
}

// CatchUp folds the dossiers whose figures trail their stored events (those
// of a process that died before folding them, or of an import cut short),
// then moves the watermark. It returns how many it found.
func (f *Figures) CatchUp(ctx context.Context) (int, error) {
	start := time.Now()
	since, err := f.store.FactsWatermark(ctx)
	if err != nil {
		return 0, err
	}
	if f.cfg.NoFold { // the folding process catches up; this one tells how far it got
		fp, err := f.store.FactsCalendar(ctx)
		if err != nil {
			return 0, err
		}
		f.mu.Lock()
		f.caughtUp, f.upto, f.foldedFor = true, since, fp
		f.mu.Unlock()
		f.watermark.Set(float64(since.Unix()))
		return 0, nil
	}
	if err := f.store.FolderAlive(ctx, f.cfg.Process, 3); err != nil {
		return 0, err
	}
	if other, at, err := f.store.OtherFolder(ctx, f.cfg.Process, start.Add(-folderTimeout)); err != nil {
		return 0, err
	} else if other != "" {
		f.log.Error("another process folds the figures of this database too: figures may count dossiers twice; set figures.fold to false in all processes but one",
			"other", other, "at", at)
	}
	ids, err := f.store.Unfolded(ctx, since)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	for _, id := range ids {
		f.dirty[id] = struct{}{}
	}
	f.mu.Unlock()
	if len(ids) > 0 {
		f.log.Info("folding dossiers whose figures trail their events", "dossiers", len(ids), "since", since)
	}
	if err := f.Flush(ctx); err != nil {
		return len(ids), err
	}
	upto, err := f.store.SetFactsWatermark(ctx, since, start)
	if err != nil {
		return len(ids), err
	}
	f.mu.Lock()
	f.caughtUp, f.upto = true, upto
	f.mu.Unlock()
	f.watermark.Set(float64(upto.Unix()))
	return len(ids), nil
}

// FollowRules folds every dossier again when the rules of the catalogue in
// force (working hours, holidays, processing times) are not those the stored
// figures follow, then records the new ones. The refold goes page by page
// (Status tells how far it is); between pages the rounds of the refresher
// take their turn, so that new events still show within seconds; a refold
// cut short goes on from its last page (Warehouse.RefoldAll).
func (f *Figures) FollowRules(ctx context.Context) error {
	if f.cfg.NoFold {
		return nil
	}
	cur := f.cur.Load()
	f.mu.Lock()
	same := f.foldedFor == cur.fp
	f.mu.Unlock()
	if same {
		return nil
	}
	f.acquire()
	defer f.release()
	f.log.Info("the working hours, holidays or processing times changed: folding every dossier again", "rules", cur.fp)
	start, last := time.Now(), time.Now()
	n, err := f.store.RefoldAll(ctx, cur.cat, func(done, total int) {
		f.mu.Lock()
		f.refold = &Refold{Done: done, Total: total}
		f.mu.Unlock()
		if time.Since(last) > 5*time.Second || done == total {
			f.log.Info("folding every dossier again", "done", done, "of", total)
			last = time.Now()
		}
		f.release() // a round of the refresher may run between two pages
		f.acquire()
	})
	f.mu.Lock()
	f.refold = nil
	f.mu.Unlock()
	if err != nil {
		return err
	}
	f.refolds.Inc()
	f.mu.Lock()
	f.foldedFor = cur.fp
	f.mu.Unlock()
	f.log.Info("every dossier follows the new rules", "dossiers", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func (f *Figures) catalogLoop() {
	defer f.wg.Done()
	t := time.NewTicker(f.cfg.CatalogRefresh)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := f.Reload(ctx); err != nil {
				f.log.Warn("cannot refresh the catalogue; keeping the one in memory", "err", err)
			}
			cancel()
		}
	}
}

// pause is the wait between two rounds after a round of folding that took
// d: three times as long, so that rounds take at most a quarter of the time
// from ingest, within minPause and maxPause. A catch-up or a refold does not
// lengthen it: the events that came in meanwhile should not wait for them.
func pause(d time.Duration) time.Duration {
	return min(maxPause, max(minPause, 3*d))
}

// The bounds of pause.
const (
	minPause = 500 * time.Millisecond
	maxPause = 3 * time.Second
)

func (f *Figures) foldLoop() {
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-f.stop; cancel() }()
	var lastCatchUp time.Time
	for {
		start := time.Now()
		if err := f.FollowRules(ctx); err != nil && ctx.Err() == nil {
			f.log.Warn("cannot fold the dossiers with the new rules; will retry", "err", err)
		}
		if start.Sub(lastCatchUp) >= f.cfg.CatchUpEvery {
			if _, err := f.CatchUp(ctx); err != nil && ctx.Err() == nil {
				f.log.Warn("cannot catch up with the stored events; will retry", "err", err)
			} else {
				lastCatchUp = start
			}
		}
		flushed := time.Now()
		if err := f.Flush(ctx); err != nil && ctx.Err() == nil {
			f.log.Warn("cannot refresh dossier figures; will retry", "err", err)
		}
		select {
		case <-f.stop:
			return
		case <-time.After(pause(time.Since(flushed))):
		}
	}
}
