package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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

// scanNotices reads rows of the notification log.
func scanNotices(rows driver.Rows) ([]motcua.Notice, error) {
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

// Delivered returns the recipients that a report (kind, period) went to.
func (w *Warehouse) Delivered(ctx context.Context, kind, period string) (map[string]bool, error) {
	rows, err := w.conn.Query(ctx, selectDelivered, kind, period)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read the delivery log: %w", err))
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out[r] = true
	}
	return out, wrap(rows.Err())
}

// RecordDelivery adds a report sent to the delivery log.
func (w *Warehouse) RecordDelivery(ctx context.Context, kind, period, recipient, channel, ts string, at time.Time) error {
	return w.insertRow(ctx, insertDelivery, kind, period, recipient, channel, ts, at)
}
