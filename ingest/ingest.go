// Package ingest takes dossier events in: it groups concurrent requests into
// shared inserts (group commit), answers only once rows are committed, and
// imports files. The wire and file formats live in its subpackages; the HTTP
// endpoint (POST /api/v1/events) is server's, with the limits of Config.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
)

// Store is what ingest needs of the warehouse: insert events, skipping those
// stored already (by source and event_id), and say for each what happened.
type Store interface {
	InsertEvents(ctx context.Context, evs []motcua.Event) ([]motcua.Stored, error)
}

// Result counts what happened to the events of one request.
type Result struct {
	Accepted   int
	Duplicates int
	// Conflicts are the indexes of the events not stored because another
	// event with the same source and id, and other content, is stored.
	Conflicts []int
}

// count adds the outcome of one event, its index i in the request, to r.
func (r *Result) count(i int, s motcua.Stored) {
	switch s {
	case motcua.StoredNew:
		r.Accepted++
	case motcua.StoredDuplicate:
		r.Duplicates++
	case motcua.StoredConflict:
		r.Conflicts = append(r.Conflicts, i)
	}
}

// Metrics are ingest's Prometheus metrics.
type Metrics struct {
	Events        *prometheus.CounterVec
	BatchRows     prometheus.Histogram
	InsertSeconds prometheus.Histogram
	Errors        *prometheus.CounterVec
	// Queued counts the requests waiting for an insert.
	Queued prometheus.Gauge
}

// NewMetrics registers ingest's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "motcua_ingest_events_total",
			Help: "Events that reached ingest, by source and result (accepted, rejected, duplicate).",
		}, []string{"source", "result"}),
		BatchRows: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "motcua_ingest_batch_rows",
			Help:    "Events per insert into ClickHouse, after group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		InsertSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "motcua_ingest_insert_duration_seconds",
			Help:    "Time to store one batch in ClickHouse, deduplication included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "motcua_clickhouse_errors_total",
			Help: "Errors from ClickHouse, by operation.",
		}, []string{"operation"}),
	}
	m.Queued = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "motcua_ingest_queued_requests",
		Help: "Requests waiting for the next insert (group commit).",
	})
	reg.MustRegister(m.Events, m.BatchRows, m.InsertSeconds, m.Errors, m.Queued)
	return m
}

// Committer stores events for many concurrent callers in shared inserts:
// while one insert runs, the requests that arrive queue up, and the next
// insert takes them all, up to maxRows. It waits briefly for the callers of
// the last insert to come back, so that inserts stay as large as the load
// allows (see gather).
type Committer struct {
	// Committed, when set, is called after each successful insert with its
	// events (duplicates included), before the callers are answered.
	Committed func([]motcua.Event)
	// InsertTimeout bounds one insert; past it the callers get an error
	// (ErrUnavailable) instead of waiting on a stalled ClickHouse.
	InsertTimeout time.Duration

	store     Store
	metrics   *Metrics
	maxRows   int
	maxLinger time.Duration // the longest an insert waits for more requests (see gather)
	queue     chan *request
	stop      chan struct{}
	wg        sync.WaitGroup
}

type request struct {
	evs  []motcua.Event
	done chan reply
}

type reply struct {
	res Result
	err error
}

// DefaultInsertTimeout bounds one insert unless configured otherwise.
const DefaultInsertTimeout = 30 * time.Second

// ErrStopped is returned by Commit after Stop.
var ErrStopped = errors.New("ingest is stopping")

// NewCommitter returns a Committer over store; maxRows caps one insert
// (a single larger request still goes in whole).
func NewCommitter(store Store, m *Metrics, maxRows int) *Committer {
	if maxRows <= 0 {
		maxRows = 100_000
	}
	return &Committer{store: store, metrics: m, maxRows: maxRows, maxLinger: 100 * time.Millisecond, queue: make(chan *request, 1024),
		stop: make(chan struct{}), InsertTimeout: DefaultInsertTimeout}
}

// Start starts the commit loop.
func (c *Committer) Start() {
	c.wg.Add(1)
	go c.loop()
}

// Stop finishes the inserts under way and stops the loop; requests still
// queued get ErrStopped.
func (c *Committer) Stop() {
	close(c.stop)
	c.wg.Wait()
	for {
		select {
		case r := <-c.queue:
			c.dequeued()
			r.done <- reply{err: ErrStopped}
		default:
			return
		}
	}
}

// Commit stores evs and returns once they are committed, or with the error
// that kept them out. An error that wraps motcua.ErrPartlyStored may leave
// part of them stored: a resend of evs then stores each exactly once.
func (c *Committer) Commit(ctx context.Context, evs []motcua.Event) (Result, error) {
	if len(evs) == 0 {
		return Result{}, nil
	}
	r := &request{evs: evs, done: make(chan reply, 1)}
	select {
	case c.queue <- r:
		if c.metrics != nil {
			c.metrics.Queued.Inc()
		}
	case <-c.stop:
		return Result{}, ErrStopped
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	// Once queued, the request is committed or failed whole; wait for the
	// answer even if the caller goes away, so that nothing is half-known.
	rep := <-r.done
	return rep.res, rep.err
}

func (c *Committer) loop() {
	defer c.wg.Done()
	expect, linger := 1, time.Duration(0)
	for {
		var first *request
		select {
		case first = <-c.queue:
			c.dequeued()
		case <-c.stop:
			return
		}
		batch, rows := c.gather([]*request{first}, len(first.evs), expect, linger)
		start := time.Now()
		c.commit(batch, rows)
		expect, linger = len(batch), min(time.Since(start)/2, c.maxLinger)
	}
}

// gather adds the queued requests to batch, up to maxRows rows. While the
// batch holds fewer than expect requests, it waits for more, for at most
// linger.
//
// Clients answered by one insert tend to post their next requests at once,
// but these take a few milliseconds to arrive and be read: an insert that
// started with the first of them would hold it alone, and the others would
// wait a whole insert for the next one. So the loop expects as many requests
// as the last insert held and lingers for at most half the time it took: a
// single client never waits, and when clients go away the expectation
// follows within one insert.
func (c *Committer) gather(batch []*request, rows, expect int, linger time.Duration) ([]*request, int) {
	var deadline <-chan time.Time
	for rows < c.maxRows {
		var r *request
		select {
		case r = <-c.queue:
		default:
			if len(batch) >= expect || linger <= 0 {
				return batch, rows
			}
			if deadline == nil {
				t := time.NewTimer(linger)
				defer t.Stop()
				deadline = t.C
			}
			select {
			case r = <-c.queue:
			case <-deadline:
				return batch, rows
			case <-c.stop:
				return batch, rows
			}
		}
		c.dequeued()
		batch = append(batch, r)
		rows += len(r.evs)
	}
	return batch, rows
}

func (c *Committer) dequeued() {
	if c.metrics != nil {
		c.metrics.Queued.Dec()
	}
}

func (c *Committer) commit(batch []*request, rows int) {
	all := batch[0].evs
	if len(batch) > 1 {
		all = make([]motcua.Event, 0, rows)
		for _, r := range batch {
			all = append(all, r.evs...)
		}
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.InsertTimeout)
	stored, err := c.store.InsertEvents(ctx, all)
	cancel()
	if err != nil && ctx.Err() != nil && !errors.Is(err, motcua.ErrUnavailable) {
		err = fmt.Errorf("%w: no answer from ClickHouse within %s: %w", motcua.ErrUnavailable, c.InsertTimeout, err)
	}
	if c.metrics != nil {
		c.metrics.InsertSeconds.Observe(time.Since(start).Seconds())
		c.metrics.BatchRows.Observe(float64(rows))
		if err != nil {
			c.metrics.Errors.WithLabelValues("insert").Inc()
		}
	}
	if err == nil && c.Committed != nil {
		c.Committed(all)
	}
	off := 0
	for _, r := range batch {
		var res Result
		if err == nil {
			for i := range r.evs {
				res.count(i, stored[off+i])
			}
		}
		off += len(r.evs)
		r.done <- reply{res: res, err: err}
	}
}
