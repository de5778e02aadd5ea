package ingest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/csv"
	"github.com/motcua/motcua/ingest/ndjson"
	"github.com/motcua/motcua/ingest/portal"
	"github.com/motcua/motcua/ingest/xlsx"
)

// The file formats that Import reads.
const (
	FormatNDJSON = "ndjson"
	FormatCSV    = "csv"
	FormatXLSX   = "xlsx"
	FormatPortal = "portal"
)

// FormatOf returns the format of a file from its extension.
func FormatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ndjson", ".jsonl":
		return FormatNDJSON, nil
	case ".csv":
		return FormatCSV, nil
	case ".xlsx":
		return FormatXLSX, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its extension; use .ndjson, .csv or .xlsx, or --format", path)
}

// ImportOptions configures Import.
type ImportOptions struct {
	Format  string // "" to tell from the extension
	Partial bool   // store the valid rows even when others are bad
	Source  string // stored with every event
	Unit    string // default unit of portal records that name none
	Batch   int    // events per insert; default 100,000
	// MaxBuffered caps the events an all-or-nothing import keeps between its
	// passes; default DefaultMaxBuffered.
	MaxBuffered int
	// Committed, when set, is called with the events of each stored batch.
	Committed func([]motcua.Event)
	// Progress, when set, is told the bytes read so far of the current pass.
	Progress func(pass int, read int64)
}

// ImportStats says what Import did with one file.
type ImportStats struct {
	Rows       int // lines, rows or records read
	Events     int
	Accepted   int
	Duplicates int
	// Conflicts are the ids of events not stored because another event with
	// the same source and id, and other content, is stored.
	Conflicts []string
	Rejected  int // rows with errors
	Errors    []motcua.FieldError
}

// FileError is a row error of a named file.
type FileError struct {
	File string
	motcua.FieldError
}

// Error says the file, the row, the column and the reason.
func (e FileError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: row %d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: row %d, column %q: %s", e.File, e.Line, e.Field, e.Reason)
}

// Import stores the events of a file in store, validated against cat. By
// default a file with any bad row stores nothing: a first pass checks every
// row, a second stores them in batches while it reads. With Partial, one pass
// stores the valid rows. Either way the errors come back in the stats.
func Import(ctx context.Context, store Store, cat *motcua.Catalog, path string, opt ImportOptions) (ImportStats, error) {
	if opt.Format == "" {
		f, err := FormatOf(path)
		if err != nil {
			return ImportStats{}, err
		}
		opt.Format = f
	}
	if opt.Batch <= 0 {
		opt.Batch = 100_000
	}
	if opt.MaxBuffered <= 0 {
		opt.MaxBuffered = DefaultMaxBuffered
	}
	// All or nothing: a first pass checks every row. It keeps the events of a
	// file of up to MaxBuffered events, so that the second pass only stores
	// them; a larger file is read again, so memory stays bounded.
	var kept [][]motcua.Event // in batches, so that keeping them never copies them
	if !opt.Partial {
		keep, n := true, 0
		st, err := scanFile(path, opt, 1, cat, func(evs []motcua.Event) error {
			if n += len(evs); keep && n > opt.MaxBuffered {
				keep, kept = false, nil
			}
			if !keep {
				return nil
			}
			if len(kept) == 0 || len(kept[len(kept)-1])+len(evs) > opt.Batch {
				kept = append(kept, make([]motcua.Event, 0, max(opt.Batch, len(evs))))
			}
			kept[len(kept)-1] = append(kept[len(kept)-1], evs...)
			return nil
		})
		if err != nil || st.Rejected > 0 {
			return st, err
		}
		if keep {
			return storeKept(ctx, store, kept, st, opt, path)
		}
	}
	batches := make(chan []motcua.Event, 1)
	type result struct {
		st  ImportStats
		err error
	}
	stored := make(chan result, 1)
	go func() {
		var r result
		for b := range batches {
			if r.err == nil { // after an error, only drain
				r.err = storeBatch(ctx, store, b, opt, &r.st)
			}
		}
		stored <- r
	}()
	buf := make([]motcua.Event, 0, opt.Batch)
	st, err := scanFile(path, opt, 2, cat, func(evs []motcua.Event) error {
		buf = append(buf, evs...)
		if len(buf) >= opt.Batch {
			select {
			case batches <- buf:
			case <-ctx.Done():
				return ctx.Err()
			}
			buf = make([]motcua.Event, 0, opt.Batch)
		}
		return nil
	})
	if err == nil && len(buf) > 0 {
		batches <- buf
	}
	close(batches)
	r := <-stored
	st.Accepted, st.Duplicates = r.st.Accepted, r.st.Duplicates
	if err == nil {
		err = r.err
	}
	return st, err
}

// ImportInsertTimeout bounds the insert of one batch of an import: the
// figures' catch-up trusts an insert to commit within minutes of stamping
// its rows (warehouse.CatchUpMargin).
const ImportInsertTimeout = 2 * time.Minute

// DefaultMaxBuffered is the most events an all-or-nothing import keeps in
// memory between its two passes (about 300 MB).
const DefaultMaxBuffered = 1_000_000

// storeKept stores the events kept by the first pass, in batches.
func storeKept(ctx context.Context, store Store, batches [][]motcua.Event, st ImportStats, opt ImportOptions, path string) (ImportStats, error) {
	var size int64
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	for i, b := range batches {
		if err := storeBatch(ctx, store, b, opt, &st); err != nil {
			return st, err
		}
		if opt.Progress != nil {
			opt.Progress(2, size*int64(i+1)/int64(len(batches)))
		}
	}
	return st, nil
}

// storeBatch stores one batch with the import's source and counts it in st.
func storeBatch(ctx context.Context, store Store, b []motcua.Event, opt ImportOptions, st *ImportStats) error {
	for i := range b {
		b[i].Source = opt.Source
	}
	ictx, cancel := context.WithTimeout(ctx, ImportInsertTimeout)
	stored, err := store.InsertEvents(ictx, b)
	cancel()
	if err != nil {
		return err
	}
	if opt.Committed != nil {
		opt.Committed(b)
	}
	for i, s := range stored {
		switch s {
		case motcua.StoredNew:
			st.Accepted++
		case motcua.StoredDuplicate:
			st.Duplicates++
		case motcua.StoredConflict:
			st.Conflicts = append(st.Conflicts, b[i].EventID)
		}
	}
	return nil
}

// scanFile reads a file once, calling valid for the events of each good row.
func scanFile(path string, opt ImportOptions, pass int, cat *motcua.Catalog, valid func([]motcua.Event) error) (ImportStats, error) {
	var st ImportStats
	f, err := os.Open(path)
	if err != nil {
		return st, fmt.Errorf("cannot open %q: %w", path, err)
	}
	defer f.Close()
	var r io.Reader = f
	if opt.Progress != nil {
		r = &progressReader{r: f, pass: pass, report: opt.Progress}
	}
	row := func(_ int, evs []motcua.Event, errs []motcua.FieldError) error {
		st.Rows++
		if errs != nil {
			st.Rejected++
			st.Errors = append(st.Errors, errs...)
			return nil
		}
		st.Events += len(evs)
		return valid(evs)
	}
	single := make([]motcua.Event, 1) // valid copies what it keeps
	one := func(line int, e motcua.Event, errs []motcua.FieldError) error {
		if errs != nil {
			return row(line, nil, errs)
		}
		single[0] = e
		return row(line, single, nil)
	}
	switch opt.Format {
	case FormatNDJSON:
		err = ndjson.Read(r, 0, cat, one)
	case FormatCSV:
		err = csv.Read(r, cat, one)
	case FormatXLSX:
		err = xlsx.Read(r, cat, one)
	case FormatPortal:
		err = portal.Read(r, cat, opt.Unit, row)
	default:
		err = fmt.Errorf("unknown format %q; want ndjson, csv, xlsx or portal", opt.Format)
	}
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

type progressReader struct {
	r      io.Reader
	n      int64
	pass   int
	report func(int, int64)
}

// Read reads and reports the bytes read so far.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	p.report(p.pass, p.n)
	return n, err
}
