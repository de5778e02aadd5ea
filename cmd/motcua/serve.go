package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/demo"

	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
)

// demoToken is the ingest token of the demo, for trying the API by hand.
const demoToken = "demo:motcua-demo-token"

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, demo bool) error {
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs)
	listen := fs.String("listen", envOr("MOTCUA_LISTEN", "127.0.0.1:8080"), "`ADDR` to serve HTTP on")
	catDir := fs.String("catalog", "", "catalogue `DIR` to load on start (default: keep the stored one, or load the shipped Duyên Hải one)")
	tokens := tokenFlags{}
	fs.Var(tokens, "ingest-token", "`SOURCE:TOKEN` that may post events (repeatable; env MOTCUA_INGEST_TOKENS=SOURCE:TOKEN,...); visible in ps: prefer the file or the env")
	tokenFile := fs.String("ingest-token-file", os.Getenv("MOTCUA_INGEST_TOKEN_FILE"), "`FILE` of SOURCE:TOKEN lines, # comments (env MOTCUA_INGEST_TOKEN_FILE)")
	maxBody := fs.Int64("max-body", ingest.DefaultConfig().MaxBody, "largest request body in `BYTES`")
	maxEvents := fs.Int("max-events", ingest.DefaultConfig().MaxEvents, "events of one request at most (413 past it)")
	maxIngest := fs.Int("max-ingest-requests", ingest.DefaultConfig().MaxConcurrent, "ingest requests under way at most (503 with Retry-After past it)")
	memLimit := fs.Int64("memory-limit", 1<<30, "soft limit of the Go heap in `BYTES`, past which the garbage collector works harder (ignored when GOMEMLIMIT is set)")
	maxConns := fs.Int("max-conns", server.DefaultMaxConns, "open HTTP connections at most; past it new ones are closed at once")
	readTimeout := fs.Duration("read-timeout", 5*time.Minute, "time to read a whole request, body included")
	seed := fs.Uint64("seed", 1, "seed of the demo data set (demo only)")
	if demo {
		sf.data, sf.database = "var/demo", envOr("MOTCUA_DATABASE", "motcua_demo")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if env := envOr("MOTCUA_INGEST_TOKENS", ""); env != "" {
		if err := tokens.Set(env); err != nil {
			return fmt.Errorf("MOTCUA_INGEST_TOKENS: %w", err)
		}
	}
	if *tokenFile != "" {
		if err := tokens.readFile(*tokenFile); err != nil {
			return err
		}
	}
	if demo && len(tokens) == 0 {
		tokens.Set(demoToken)
	}
	log := newLogger(stderr)
	if os.Getenv("GOMEMLIMIT") == "" && *memLimit > 0 {
		debug.SetMemoryLimit(*memLimit)
	}
	if files, err := raiseFileLimit(); err != nil {
		log.Warn("cannot raise the limit on open files", "err", err)
	} else if reserve := uint64(256); uint64(*maxConns)+reserve > files {
		*maxConns = int(max(files, 2*reserve) - reserve)
		log.Warn("the limit on open files is low: fewer connections are taken", "open_files", files, "max_conns", *maxConns)
	}
	if len(tokens) == 0 {
		log.Warn("no ingest token is configured: POST /api/v1/events will refuse every request; add --ingest-token SOURCE:TOKEN")
	}
	st, err := sf.openFresh(ctx, log, demo)
	if err != nil {
		return err
	}
	defer st.close()
	cat, err := st.ensureCatalog(ctx, *catDir, log)
	if err != nil {
		return err
	}
	cfg := server.Config{Listen: *listen, Ingest: ingest.Config{Tokens: tokens, MaxBody: *maxBody, MaxEvents: *maxEvents, MaxConcurrent: *maxIngest}, WorkingHours: sf.sessions(),
		MaxConns: *maxConns, ReadTimeout: *readTimeout}
	srv := server.New(cfg, st.wh, log)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	url := "http://" + srv.Addr()
	if demo {
		if err := loadDemo(ctx, srv, url, cat, motcua.NewCalendar(cat.Days, sf.sessions()...), *seed, stderr, log); err != nil {
			srv.Stop(context.Background())
			return err
		}
	}
	fmt.Fprintf(stdout, "motcua is listening on %s (ClickHouse database %q)\n", url, st.wh.Database())
	fmt.Fprintf(stdout, "  units:      %s/api/v1/units\n  procedures: %s/api/v1/procedures\n  metrics:    %s/metrics\n", url, url, url)
	if demo {
		fmt.Fprintf(stdout, "  post events: curl -H 'Authorization: Bearer motcua-demo-token' --data-binary @events.ndjson %s/api/v1/events\n", url)
	}
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Stop(sctx)
}

// loadDemo generates the demo data set and posts it to the running server,
// the path real sources take, then brings the figures up to date.
func loadDemo(ctx context.Context, srv *server.Server, url string, cat *motcua.Catalog, cal *motcua.Calendar, seed uint64, stderr io.Writer, log *slog.Logger) error {
	start := time.Now()
	evs, err := demo.Generate(cat, cal, demo.Config{Seed: seed, Now: time.Now()})
	if err != nil {
		return err
	}
	log.Info("loading the demo data set through the API", "events", len(evs))
	var bar *progressBar
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = &progressBar{w: stderr, name: "demo", size: int64(len(evs)), unit: "events"}
	}
	err = demo.Load(ctx, url, strings.TrimPrefix(demoToken, "demo:"), evs, func(done, total int) {
		if bar != nil {
			bar.update(2, int64(done))
		}
	})
	bar.done()
	if err != nil {
		return err
	}
	log.Info("updating dossier figures")
	if err := srv.Flush(ctx); err != nil {
		return err
	}
	log.Info("demo data set loaded", "events", len(evs), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// raiseFileLimit raises the soft limit on open files to the hard one and
// returns it, so that the connection cap, not the limit, decides how many
// clients are served. (Go raises it at start too, since 1.19; this says so
// in one place and gives the number.)
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("cannot read the limit on open files: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, fmt.Errorf("cannot raise the limit on open files to %d: %w", l.Max, err)
		}
	}
	return l.Cur, nil
}
