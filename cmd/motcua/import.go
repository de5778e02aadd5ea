package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/ingest"
)

// maxShownErrors caps the row errors printed for one file.
const maxShownErrors = 50

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(args)
	if err != nil {
		fmt.Fprintf(stderr, "motcua import: %v\n", err)
		return 1
	}
	sf := stackFlags{cfg: &cfg}
	sf.register(fs)
	format := fs.String("format", "", "file `FORMAT`: ndjson, csv, xlsx or portal (default: from the extension)")
	partial := fs.Bool("partial", false, "store the valid rows of a file that has bad ones (the exit status is still 1)")
	source := fs.String("source", "import", "`SOURCE` name stored with the events")
	unit := fs.String("unit", "", "unit `CODE` for portal records that name none")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: motcua import [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil || fs.NArg() == 0 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	log := newLogger(stderr)
	st, err := sf.open(ctx, log)
	if err != nil {
		fmt.Fprintf(stderr, "motcua import: %v\n", err)
		return 1
	}
	defer st.close()
	if _, err := st.ensureCatalog(ctx, "", log); err != nil {
		fmt.Fprintf(stderr, "motcua import: %v\n", err)
		return 1
	}
	fig := figures.New(st.wh, figures.Config{}, log, prometheus.NewRegistry())
	err = fig.Open(ctx)
	if errors.Is(err, figures.ErrOtherFolder) {
		// motcua serve runs and folds: the import leaves the figures to it.
		log.Info("a running motcua folds the figures: the imported dossiers go to it", "reason", err)
		fig = figures.New(st.wh, figures.Config{NoFold: true}, log, prometheus.NewRegistry())
		err = fig.Open(ctx)
	}
	if err == nil {
		err = fig.FollowRules(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "motcua import: %v\n", err)
		return 1
	}
	cat := fig.Catalog()
	code := 0
	for _, path := range fs.Args() {
		opt := ingest.ImportOptions{Format: *format, Partial: *partial, Source: *source, Unit: *unit, Committed: fig.Mark}
		var bar *progressBar
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			if fi, err := os.Stat(path); err == nil {
				bar = &progressBar{w: stderr, name: path, size: fi.Size(), twoPass: !*partial}
				opt.Progress = bar.update
			}
		}
		stats, err := ingest.Import(ctx, st.wh, cat, path, opt)
		bar.done()
		for i, fe := range stats.Errors {
			if i == maxShownErrors {
				fmt.Fprintf(stderr, "%s: ... and %d more errors\n", path, len(stats.Errors)-maxShownErrors)
				break
			}
			fmt.Fprintln(stderr, ingest.FileError{File: path, FieldError: fe})
		}
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "motcua import: %v\n", err)
			if errors.Is(err, context.Canceled) {
				return 1
			}
			code = 1
		case stats.Rejected > 0 && !*partial:
			fmt.Fprintf(stdout, "%s: %d of %d rows are invalid; nothing was stored (fix them, or use --partial)\n", path, stats.Rejected, stats.Rows)
			code = 1
		default:
			fmt.Fprintf(stdout, "%s: %d rows, %d events: %d stored, %d already stored, %d in conflict, %d rows invalid\n",
				path, stats.Rows, stats.Events, stats.Accepted, stats.Duplicates, len(stats.Conflicts), stats.Rejected)
			for i, id := range stats.Conflicts {
				if i == maxShownErrors {
					fmt.Fprintf(stderr, "%s: ... and %d more conflicts\n", path, len(stats.Conflicts)-maxShownErrors)
					break
				}
				fmt.Fprintf(stderr, "%s: event %q of source %q has other content than the one stored before or earlier in the file; this one is not stored\n", path, id, *source)
			}
			if stats.Rejected > 0 || len(stats.Conflicts) > 0 {
				code = 1
			}
		}
	}
	if n := fig.Status().PendingDossiers; n > 0 {
		log.Info("updating the figures of the imported dossiers", "dossiers", n)
	}
	if err := fig.Flush(ctx); err != nil {
		fmt.Fprintf(stderr, "motcua import: the events are stored, but their figures are not up to date yet (motcua serve catches up on start): %v\n", err)
		return 1
	}
	// Also fold what an earlier run left behind (an import or a server that
	// stopped before its figures were up to date).
	if n, err := fig.CatchUp(ctx); err != nil {
		fmt.Fprintf(stderr, "motcua import: cannot bring the figures up to date with every stored event (motcua serve catches up on start): %v\n", err)
		return 1
	} else if n > 0 {
		log.Info("brought the figures of earlier events up to date", "dossiers", n)
	}
	return code
}

// progressBar draws one line on a terminal, at most ten times a second.
type progressBar struct {
	w       io.Writer
	name    string
	size    int64
	twoPass bool
	unit    string // what size counts; bytes when empty
	last    time.Time
	start   time.Time
	drawn   bool
}

func (b *progressBar) update(pass int, read int64) {
	now := time.Now()
	if b.start.IsZero() {
		b.start = now
	}
	if now.Sub(b.last) < 100*time.Millisecond && read < b.size {
		return
	}
	b.last = now
	what := "storing"
	if b.twoPass && pass == 1 {
		what = "checking"
	}
	pct := 100.0
	if b.size > 0 {
		pct = float64(read) * 100 / float64(b.size)
	}
	const width = 30
	fill := int(pct * width / 100)
	if fill > width {
		fill = width
	}
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < fill {
			bar[i] = '='
		}
	}
	amount := fmt.Sprintf("%.1f/%.1f MB", float64(read)/1e6, float64(b.size)/1e6)
	if b.unit != "" {
		amount = fmt.Sprintf("%d/%d %s", read, b.size, b.unit)
		what = "loading"
	}
	fmt.Fprintf(b.w, "\r%s: %-8s [%s] %5.1f%%  %s  %s ", b.name, what, bar, pct, amount, now.Sub(b.start).Round(time.Second))
	b.drawn = true
}

func (b *progressBar) done() {
	if b != nil && b.drawn {
		fmt.Fprintln(b.w)
	}
}
