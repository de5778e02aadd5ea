package warehouse

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
)

// RecordNotices adds rows to the notification log.
func (w *Warehouse) RecordNotices(ctx context.Context, ns []motcua.Notice) error {
	if len(ns) == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, insertNotice)
	if err != nil {
		return wrap(fmt.Errorf("cannot record notifications: %w", err))
	}
	defer batch.Abort()
	for _, n := range ns {
		if err := batch.Append(n.DossierID, string(n.Stage), n.Unit, n.Recipient, n.Channel, n.TS,
			motcua.DayOf(n.Day), n.SentAt); err != nil {
			return fmt.Errorf("cannot record notifications: %w", err)
		}
	}
	return wrap(batch.Send())
}

// Notices returns the notification log's rows of the dossiers.
func (w *Warehouse) Notices(ctx context.Context, ids []string) ([]motcua.Notice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	t, err := idTable("dossier_ids", "id", slices.Values(ids))
	if err != nil {
		return nil, err
	}
	rows, err := w.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), selectNotices)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read the notification log: %w", err))
	}
	defer rows.Close()
	var out []motcua.Notice
	for rows.Next() {
		var n motcua.Notice
		var stage, day string
		var sent uint32
		if err := rows.Scan(&n.DossierID, &stage, &n.Unit, &n.Recipient, &n.Channel, &n.TS, &day, &sent); err != nil {
			return nil, fmt.Errorf("cannot read the notification log: %w", err)
		}
		n.Stage = motcua.Stage(stage)
		n.Day, _ = time.ParseInLocation(time.DateOnly, day, motcua.Location)
		n.SentAt = timeOf(sent)
		out = append(out, n)
	}
	return out, wrap(rows.Err())
}

// Unfinished returns the dossiers that the log names and has not marked
// done.
func (w *Warehouse) Unfinished(ctx context.Context) ([]string, error) {
	rows, err := w.conn.Query(ctx, selectUnfinished)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read the notification log: %w", err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, wrap(rows.Err())
}

// SaveMessage keeps the body of the message at channel and ts, as last
// sent.
func (w *Warehouse) SaveMessage(ctx context.Context, channel, ts, recipient, body string) error {
	return w.insertRow(ctx, insertMessage, channel, ts, recipient, body, time.Now())
}

// Message returns the body of the message at channel and ts ("" when none
// is kept).
func (w *Warehouse) Message(ctx context.Context, channel, ts string) (string, error) {
	var body string
	if err := w.conn.QueryRow(ctx, selectMessage, channel, ts).Scan(&body); err != nil {
		return "", wrap(fmt.Errorf("cannot read the message %s of %q: %w", ts, channel, err))
	}
	return body, nil
}
