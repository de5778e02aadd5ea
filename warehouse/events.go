package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
)

const insertEvents = `INSERT INTO events (event_id, dossier_id, type, at, unit, procedure, official, channel,
 due_at, has_due, return_channel, fee_vnd, paid_online, digitized, source, ingested_at, content_hash)`

var epoch = time.Unix(0, 0)

// InsertEvents stores the events not stored yet, in one INSERT, and says for
// each what happened: stored now, a duplicate (the same source, id and
// content are stored already, or came earlier in evs) or a conflict (the same
// source and id with other content: not stored). When it returns nil, the new
// events are committed in ClickHouse.
//
// When an insert fails, some of its rows may be stored all the same (the
// insert writes a part into events, then one into event_keys through the
// view, one per shard in a cluster, and is not atomic; ClickHouse may also
// finish an insert whose client gave up). The error then wraps
// motcua.ErrPartlyStored, and the next call first waits for that insert to be
// over and restores the keys of whatever it stored, so that a resend of the
// batch stores each event exactly once. Callers serialise calls: two
// concurrent calls with the same new event could both store it.
func (w *Warehouse) InsertEvents(ctx context.Context, evs []motcua.Event) ([]motcua.Stored, error) {
	if err := w.settle(ctx); err != nil {
		return nil, err
	}
	out := make([]motcua.Stored, len(evs))
	if len(evs) == 0 {
		return out, nil
	}
	hashes := make([]uint64, len(evs))
	firsts := make([]int, len(evs)) // index of the first event of the batch with the same key
	first := make(map[eventKey]int, len(evs))
	for i := range evs {
		hashes[i] = evs[i].ContentHash()
		k := eventKey{evs[i].Source, evs[i].EventID}
		j, ok := first[k]
		if !ok {
			first[k], j = i, i
		}
		firsts[i] = j
	}
	stored, err := w.storedKeys(ctx, first)
	if err != nil {
		return nil, err
	}
	fresh := make([]int, 0, len(evs))
	for i := range evs {
		if h, ok := stored[eventKey{evs[i].Source, evs[i].EventID}]; ok {
			out[i] = sameOrConflict(h, hashes[i])
		} else if j := firsts[i]; j != i {
			out[i] = sameOrConflict(hashes[j], hashes[i]) // compared with its first copy in the batch, which is new
		} else {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) == 0 {
		return out, nil
	}
	if err := w.insert(ctx, evs, hashes, fresh); err != nil {
		return nil, err
	}
	return out, nil
}

// eventKey is how an event is known: its source and its id there.
type eventKey struct{ source, id string }

// sameOrConflict compares the content of a stored event with a new one of
// the same key; 0 is the hash of events stored before hashes were kept.
func sameOrConflict(stored, fresh uint64) motcua.Stored {
	if stored == 0 || stored == fresh {
		return motcua.StoredDuplicate
	}
	return motcua.StoredConflict
}

// storedKeys returns the content hash of each key of keys that is in
// event_keys. The keys travel as an external table, so a batch of any size is
// one indexed read.
func (w *Warehouse) storedKeys(ctx context.Context, keys map[eventKey]int) (map[eventKey]uint64, error) {
	t, err := ext.NewTable("batch_keys", ext.Column("source", "String"), ext.Column("event_id", "String"))
	if err != nil {
		return nil, err
	}
	for k := range keys {
		if err := t.Append(k.source, k.id); err != nil {
			return nil, fmt.Errorf("cannot list event key %q: %w", k.id, err)
		}
	}
	rows, err := w.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), selectStoredKeys)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot look up stored event ids: %w", err))
	}
	defer rows.Close()
	out := map[eventKey]uint64{}
	for rows.Next() {
		var k eventKey
		var h uint64
		if err := rows.Scan(&k.source, &k.id, &h); err != nil {
			return nil, wrap(fmt.Errorf("cannot read a stored event key: %w", err))
		}
		if prev, ok := out[k]; !ok || prev == 0 {
			out[k] = h
		}
	}
	return out, wrap(rows.Err())
}

// unsettled is an insert that failed: some of its rows may be in events,
// and it may even still be running in ClickHouse.
type unsettled struct {
	queryID string
	since   time.Time // its rows' ingested_at
}

// settle makes event_keys agree with events again after failed inserts: it
// waits until each is over in ClickHouse (killing it if need be), then
// writes the keys of the rows it left in events. Until that succeeds, no new
// insert starts, so a resend cannot store a row twice.
func (w *Warehouse) settle(ctx context.Context) error {
	return w.settleEach(ctx, &w.unsettled, w.restoreKeys)
}

// settleEach waits until each failed write of list is over in ClickHouse
// (killing it if need be), then restores what it left half done from its
// time on, and drops it from the list.
func (w *Warehouse) settleEach(ctx context.Context, list *[]unsettled, restore func(context.Context, time.Time) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(*list) > 0 {
		u := (*list)[0]
		if err := w.waitQuery(ctx, u.queryID); err != nil {
			return err
		}
		if err := restore(ctx, u.since); err != nil {
			return err
		}
		*list = (*list)[1:]
	}
	return nil
}

// waitQuery returns once no query with the id runs, killing it if it does.
func (w *Warehouse) waitQuery(ctx context.Context, queryID string) error {
	for attempt := 0; ; attempt++ {
		var n uint64
		if err := w.conn.QueryRow(ctx, countRunningQuery, queryID).Scan(&n); err != nil {
			return fmt.Errorf("%w: cannot check whether a failed insert is still running: %w", motcua.ErrPartlyStored, wrap(err))
		}
		if n == 0 {
			return nil
		}
		if attempt == 0 {
			if err := w.conn.Exec(ctx, killQuery, queryID); err != nil {
				return fmt.Errorf("%w: cannot stop a failed insert: %w", motcua.ErrPartlyStored, wrap(err))
			}
		}
		if attempt >= 50 {
			return fmt.Errorf("%w: %w: an earlier insert (%s) is still running in ClickHouse", motcua.ErrPartlyStored, ErrUnavailable, queryID)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", motcua.ErrPartlyStored, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// restoreKeys writes the keys of the events ingested since the time that
// have none: the rows that a failed insert left behind in events alone.
func (w *Warehouse) restoreKeys(ctx context.Context, since time.Time) error {
	s := uint32(max(since.Unix(), 0))
	if err := w.conn.Exec(ctx, restoreEventKeys, s, s); err != nil {
		return fmt.Errorf("%w: cannot restore the keys of a failed insert: %w", motcua.ErrPartlyStored, wrap(err))
	}
	return nil
}

// Recover restores what failed writes of an earlier process left half done
// (within the hour before the newest: a process that crashed between its
// failed write and the repair): the keys of events, and the copies by
// dossier of dossier facts. serve and import call it on start, before the
// first insert.
func (w *Warehouse) Recover(ctx context.Context) error {
	var newest, folded uint32
	if err := w.conn.QueryRow(ctx, selectNewestKey).Scan(&newest); err != nil {
		return wrap(fmt.Errorf("cannot read the newest event key: %w", err))
	}
	if err := w.restoreKeys(ctx, time.Unix(int64(newest), 0).Add(-time.Hour)); err != nil {
		return err
	}
	if err := w.conn.QueryRow(ctx, selectNewestFold).Scan(&folded); err != nil {
		return wrap(fmt.Errorf("cannot read the newest write of dossier facts: %w", err))
	}
	return w.restoreFacts(ctx, time.Unix(int64(folded), 0).Add(-time.Hour))
}

func (w *Warehouse) insert(ctx context.Context, all []motcua.Event, hashes []uint64, idx []int) error {
	n := len(idx)
	var (
		eventID, dossierID, typ, unit, proc, official, channel, retCh, source = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		at, due, ingested = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		hasDue            = make([]uint8, n)
		fee               = make([]*int64, n)
		paid, digitized   = make([]*uint8, n), make([]*uint8, n)
		hash              = make([]uint64, n)
	)
	now := time.Now().Truncate(time.Second)
	for i, j := range idx {
		e := &all[j]
		eventID[i], dossierID[i], typ[i] = e.EventID, e.DossierID, string(e.Type)
		unit[i], proc[i], official[i] = e.Unit, e.Procedure, e.Official
		channel[i], retCh[i], source[i] = string(e.Channel), string(e.ReturnChannel), e.Source
		at[i], ingested[i], due[i] = e.At, now, epoch
		if !e.DueAt.IsZero() {
			due[i], hasDue[i] = e.DueAt, 1
		}
		fee[i], paid[i], digitized[i] = e.FeeVND, boolPtr(e.PaidOnline), boolPtr(e.Digitized)
		hash[i] = hashes[j]
	}
	// From here on a failure may leave part of the rows stored.
	qid := newQueryID()
	failed := func(err error) error {
		w.mu.Lock()
		w.unsettled = append(w.unsettled, unsettled{queryID: qid, since: now})
		w.mu.Unlock()
		return fmt.Errorf("%w: %w", motcua.ErrPartlyStored, wrap(err))
	}
	batch, err := w.conn.PrepareBatch(clickhouse.Context(ctx, clickhouse.WithQueryID(qid)), insertEvents)
	if err != nil {
		return failed(fmt.Errorf("cannot prepare insert of %d events: %w", n, err))
	}
	cols := []any{eventID, dossierID, typ, at, unit, proc, official, channel, due, hasDue, retCh, fee, paid, digitized, source, ingested, hash}
	for i, c := range cols {
		if err := batch.Column(i).Append(c); err != nil {
			batch.Abort()
			return failed(fmt.Errorf("cannot add column %d of %d events: %w", i, n, err))
		}
	}
	if err := batch.Send(); err != nil {
		return failed(fmt.Errorf("cannot insert %d events: %w", n, err))
	}
	return nil
}

// newQueryID names an insert, so that it can be found in system.processes.
func newQueryID() string {
	var b [12]byte
	rand.Read(b[:])
	return "motcua-insert-" + hex.EncodeToString(b[:])
}

func boolPtr(b *bool) *uint8 {
	if b == nil {
		return nil
	}
	var v uint8
	if *b {
		v = 1
	}
	return &v
}

// CountEvents returns how many events are stored, each once: a copy that
// two processes stored at the same instant counts once (FINAL), before the
// merge that drops it.
func (w *Warehouse) CountEvents(ctx context.Context) (uint64, error) {
	var n uint64
	if err := w.conn.QueryRow(ctx, countEvents).Scan(&n); err != nil {
		return 0, wrap(fmt.Errorf("cannot count events: %w", err))
	}
	return n, nil
}

// Events returns the stored events of one dossier, in order of time.
func (w *Warehouse) Events(ctx context.Context, dossierID string) ([]motcua.Event, error) {
	rows, err := w.conn.Query(ctx, selectDossierEvents, dossierID)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read events of dossier %q: %w", dossierID, err))
	}
	defer rows.Close()
	var out []motcua.Event
	for rows.Next() {
		e, _, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, wrap(rows.Err())
}

// scanEvent reads a row of eventCols: the event and when it was ingested.
func scanEvent(rows driver.Rows) (motcua.Event, time.Time, error) {
	var e motcua.Event
	var typ, ch, rch string
	var hasDue uint8
	var paid, dig *uint8
	var ingested time.Time
	if err := rows.Scan(&e.EventID, &e.DossierID, &typ, &e.At, &e.Unit, &e.Procedure, &e.Official, &ch,
		&e.DueAt, &hasDue, &rch, &e.FeeVND, &paid, &dig, &e.Source, &ingested); err != nil {
		return e, ingested, fmt.Errorf("cannot read an event: %w", err)
	}
	e.Type, e.Channel, e.ReturnChannel = motcua.EventType(typ), motcua.Channel(ch), motcua.ReturnChannel(rch)
	if hasDue == 0 {
		e.DueAt = time.Time{}
	}
	e.PaidOnline, e.Digitized = uint8Bool(paid), uint8Bool(dig)
	return e, ingested, nil
}

func uint8Bool(p *uint8) *bool {
	if p == nil {
		return nil
	}
	b := *p == 1
	return &b
}
