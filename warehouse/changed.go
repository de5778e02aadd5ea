package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua"
)

// ForwardChanged records that the dossiers changed (events of theirs were
// stored), for the process that folds the figures (ChangedSince).
func (w *Warehouse) ForwardChanged(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	now := time.Now().Truncate(time.Second)
	at := make([]time.Time, len(ids))
	for i := range at {
		at[i] = now
	}
	b, err := w.conn.PrepareBatch(ctx, insertChanged)
	if err != nil {
		return wrap(fmt.Errorf("cannot prepare the changed dossiers: %w", err))
	}
	if err := b.Column(0).Append(ids); err != nil {
		b.Abort()
		return err
	}
	if err := b.Column(1).Append(at); err != nil {
		b.Abort()
		return err
	}
	if err := b.Send(); err != nil {
		return wrap(fmt.Errorf("cannot record %d changed dossiers: %w", len(ids), err))
	}
	return nil
}

// ChangedSince returns the dossiers that other processes recorded as
// changed since the time.
func (w *Warehouse) ChangedSince(ctx context.Context, since time.Time) ([]string, error) {
	ids, err := w.strings(ctx, selectChanged, uint32(max(since.Unix(), 0)))
	if err != nil {
		return nil, fmt.Errorf("cannot read the changed dossiers: %w", err)
	}
	return ids, nil
}

// FolderAlive records that the process folds the figures, now; it drops the
// days of changed_dossiers and folders older than keep days.
func (w *Warehouse) FolderAlive(ctx context.Context, process string, keep int) error {
	if err := w.insertRow(ctx, insertFolder, process, time.Now()); err != nil {
		return fmt.Errorf("cannot record the folding process: %w", err)
	}
	for _, t := range []string{"changed_dossiers", "folders"} {
		for d := keep; d < keep+3; d++ { // the days a round may have missed; an absent one is no error
			day := time.Now().In(motcua.Location).AddDate(0, 0, -d).Format("20060102")
			if err := w.conn.Exec(ctx, fmt.Sprintf(dropDay, w.localTable(t), day)); err != nil {
				return wrap(fmt.Errorf("cannot drop day %s of %s: %w", day, t, err))
			}
		}
	}
	return nil
}

// OtherFolder returns another process that said it folds the figures since
// the time, and when it last said so; "" when none did.
func (w *Warehouse) OtherFolder(ctx context.Context, process string, since time.Time) (string, time.Time, error) {
	var other string
	var at uint32
	if err := w.conn.QueryRow(ctx, selectOtherFolder, process, uint32(max(since.Unix(), 0))).Scan(&other, &at); err != nil {
		return "", time.Time{}, wrap(fmt.Errorf("cannot read the folding processes: %w", err))
	}
	return other, time.Unix(int64(at), 0), nil
}
