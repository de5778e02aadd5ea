package warehouse

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
)

const insertEvents = `INSERT INTO events (event_id, dossier_id, type, at, unit, procedure, official, channel,
 due_at, has_due, return_channel, fee_vnd, paid_online, digitized, source, ingested_at)`

var epoch = time.Unix(0, 0)

// InsertEvents stores the events whose event_id is not stored yet, in one
// INSERT, and reports for each event whether it was a duplicate: of an event
// stored before, or of an earlier event in the same slice. When it returns
// nil, the new events are committed in ClickHouse. Callers serialise calls:
// two concurrent calls with the same new id could both store it.
func (w *Warehouse) InsertEvents(ctx context.Context, evs []motcua.Event) (dup []bool, err error) {
	dup = make([]bool, len(evs))
	if len(evs) == 0 {
		return dup, nil
	}
	first := make(map[string]int, len(evs))
	for i := range evs {
		if _, ok := first[evs[i].EventID]; ok {
			dup[i] = true
			continue
		}
		first[evs[i].EventID] = i
	}
	stored, err := w.storedIDs(ctx, first)
	if err != nil {
		return nil, err
	}
	for id := range stored {
		dup[first[id]] = true
	}
	fresh := make([]*motcua.Event, 0, len(evs))
	for i := range evs {
		if !dup[i] {
			fresh = append(fresh, &evs[i])
		}
	}
	if len(fresh) == 0 {
		return dup, nil
	}
	if err := w.insert(ctx, fresh); err != nil {
		return nil, err
	}
	return dup, nil
}

// storedIDs returns which of ids are in event_ids. The ids travel as an
// external table, so a batch of any size is one indexed read.
func (w *Warehouse) storedIDs(ctx context.Context, ids map[string]int) (map[string]bool, error) {
	t, err := idTable("batch_ids", "event_id", maps.Keys(ids))
	if err != nil {
		return nil, err
	}
	rows, err := w.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), selectStoredIDs)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot look up stored event ids: %w", err))
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err)
		}
		out[id] = true
	}
	return out, wrap(rows.Err())
}

func (w *Warehouse) insert(ctx context.Context, evs []*motcua.Event) error {
	n := len(evs)
	var (
		eventID, dossierID, typ, unit, proc, official, channel, retCh, source = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		at, due, ingested = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		hasDue            = make([]uint8, n)
		fee               = make([]*int64, n)
		paid, digitized   = make([]*uint8, n), make([]*uint8, n)
	)
	now := time.Now()
	for i, e := range evs {
		eventID[i], dossierID[i], typ[i] = e.EventID, e.DossierID, string(e.Type)
		unit[i], proc[i], official[i] = e.Unit, e.Procedure, e.Official
		channel[i], retCh[i], source[i] = string(e.Channel), string(e.ReturnChannel), e.Source
		at[i], ingested[i], due[i] = e.At, now, epoch
		if !e.DueAt.IsZero() {
			due[i], hasDue[i] = e.DueAt, 1
		}
		fee[i], paid[i], digitized[i] = e.FeeVND, boolPtr(e.PaidOnline), boolPtr(e.Digitized)
	}
	batch, err := w.conn.PrepareBatch(ctx, insertEvents)
	if err != nil {
		return wrap(fmt.Errorf("cannot prepare insert of %d events: %w", n, err))
	}
	cols := []any{eventID, dossierID, typ, at, unit, proc, official, channel, due, hasDue, retCh, fee, paid, digitized, source, ingested}
	for i, c := range cols {
		if err := batch.Column(i).Append(c); err != nil {
			batch.Abort()
			return fmt.Errorf("cannot add column %d of %d events: %w", i, n, err)
		}
	}
	if err := batch.Send(); err != nil {
		return wrap(fmt.Errorf("cannot insert %d events: %w", n, err))
	}
	return nil
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

// CountEvents returns how many events are stored.
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
