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
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/figures"

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
	cfg, err := loadConfig(args)
	if err != nil {
		return err
	}
	configured := cfg.ClickHouse.Database
	if demo {
		// The demo starts its database anew: never the one of the file or
		// the environment, only its own or one named by --database.
		cfg.ClickHouse.Data, cfg.ClickHouse.Database = "var/demo", "motcua_demo"
	}
	sf := stackFlags{cfg: &cfg}
	sf.register(fs)
	fs.StringVar(&cfg.Serve.Listen, "listen", cfg.Serve.Listen, "`ADDR` to serve HTTP on (env MOTCUA_LISTEN)")
	fs.StringVar(&cfg.Serve.Catalog, "catalog", cfg.Serve.Catalog, "catalogue `DIR` to load on start (default: keep the stored one, or load the shipped Duyên Hải one)")
	fs.Var(cfg.Ingest.Tokens, "ingest-token", "`SOURCE:TOKEN` that may post events (repeatable; prefer --ingest-token-file or env MOTCUA_INGEST_TOKENS=SOURCE:TOKEN,..., which ps does not show)")
	tokenFile := fs.String("ingest-token-file", "", "`FILE` of SOURCE:TOKEN lines that may post events, in place of ingest.tokens_file (env MOTCUA_INGEST_TOKEN_FILE)")
	fs.Func("max-body", "largest request body, such as 32MiB (default "+cfg.Ingest.MaxBody.String()+")", func(v string) error {
		return cfg.Ingest.MaxBody.Set(v)
	})
	fs.IntVar(&cfg.Ingest.MaxEvents, "max-events", cfg.Ingest.MaxEvents, "events of one request at most (413 past it)")
	fs.IntVar(&cfg.Ingest.MaxRequests, "max-ingest-requests", cfg.Ingest.MaxRequests, "ingest requests under way at most (503 with Retry-After past it)")
	fs.IntVar(&cfg.Serve.MaxConns, "max-conns", cfg.Serve.MaxConns, "open HTTP connections at most; past it new ones are closed at once")
	fs.Func("read-timeout", "time to read a whole request, body included (default "+cfg.Serve.ReadTimeout.String()+")", func(v string) error {
		return cfg.Serve.ReadTimeout.Set(v)
	})
	fs.Func("insert-timeout", "time one insert into ClickHouse may take before 503 (default "+cfg.Ingest.InsertTimeout.String()+")", func(v string) error {
		return cfg.Ingest.InsertTimeout.Set(v)
	})
	fs.Func("memory-limit", "soft limit of the Go heap, past which the garbage collector works harder; ignored when GOMEMLIMIT is set (default "+cfg.Serve.MemoryLimit.String()+")", func(v string) error {
		return cfg.Serve.MemoryLimit.Set(v)
	})
	fs.StringVar(&cfg.Serve.Users, "users", cfg.Serve.Users, "users `FILE` (login,role,unit,password_bcrypt) of the readers who may log in (env MOTCUA_USERS)")
	fs.Func("session-key-file", "`FILE` of the key that signs session cookies, 32 bytes or more, raw or hex (env MOTCUA_SESSION_KEY_FILE); without it sessions end at restart", func(v string) error {
		return cfg.SetSessionKeyFile(v)
	})
	alertFlags(fs, &cfg)
	seed := fs.Uint64("seed", 1, "seed of the demo data set (demo only)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if demo && cfg.ClickHouse.Database == configured && cfg.ClickHouse.Addr != "" {
		return fmt.Errorf("cannot run the demo in database %q of %s: it is the configured database, and the demo drops its database at start; name another with --database", configured, cfg.ClickHouse.Addr)
	}
	if *tokenFile != "" {
		// The flag's file replaces the configured one.
		if err := cfg.SetTokensFile(*tokenFile, os.Getenv); err != nil {
			return err
		}
	}
	if demo {
		// The demo loads its data set with its own token, beside any given.
		if err := cfg.Ingest.Tokens.Set(demoToken); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(stderr)
	if os.Getenv("GOMEMLIMIT") == "" && cfg.Serve.MemoryLimit > 0 {
		debug.SetMemoryLimit(int64(cfg.Serve.MemoryLimit))
	}
	if files, err := raiseFileLimit(); err != nil {
		log.Warn("cannot raise the limit on open files", "err", err)
	} else if reserve := uint64(256); uint64(cfg.Serve.MaxConns)+reserve > files {
		cfg.Serve.MaxConns = int(max(files, 2*reserve) - reserve)
		log.Warn("the limit on open files is low: fewer connections are taken", "open_files", files, "max_conns", cfg.Serve.MaxConns)
	}
	if len(cfg.Ingest.Tokens) == 0 {
		log.Warn("no ingest token is configured: POST /api/v1/events will refuse every request; add --ingest-token SOURCE:TOKEN")
	}
	st, err := sf.openFresh(ctx, log, demo)
	if err != nil {
		return err
	}
	defer st.close()
	cat, err := st.ensureCatalog(ctx, cfg.Serve.Catalog, log)
	if err != nil {
		return err
	}
	var users *access.Users
	var demoUsers []demoUser
	switch {
	case cfg.Serve.Users != "":
		if users, err = access.LoadUsers(cfg.Serve.Users); err != nil {
			return err
		}
		log.Info("loaded users", "file", cfg.Serve.Users, "users", users.Len())
	case demo:
		var path string
		if path, demoUsers, err = makeDemoUsers(cfg.ClickHouse.Data, cat); err != nil {
			return err
		}
		if users, err = access.LoadUsers(path); err != nil {
			return err
		}
		log.Info("made the demo users", "file", path, "users", users.Len())
	}
	scfg := server.Config{Listen: cfg.Serve.Listen, MaxConns: cfg.Serve.MaxConns, ReadTimeout: time.Duration(cfg.Serve.ReadTimeout),
		Ingest: ingest.Config{Tokens: cfg.Ingest.Tokens, MaxBody: int64(cfg.Ingest.MaxBody), MaxEvents: cfg.Ingest.MaxEvents,
			MaxConcurrent: cfg.Ingest.MaxRequests, InsertTimeout: time.Duration(cfg.Ingest.InsertTimeout)},
		Figures: figures.Config{CatchUpEvery: time.Duration(cfg.Figures.CatchUpEvery), NoFold: !cfg.Figures.Fold},
		Users:   users, SessionKey: []byte(cfg.Serve.SessionKey.Value())}
	if cfg.Alerts.Enabled() {
		scfg.Alerts, scfg.AlertSenders = alertSetup(cfg.Alerts, log)
		scfg.Deliveries = deliverySetup(cfg, log)
		log.Info("deadline alerts are on", "senders", len(scfg.AlertSenders), "every", time.Duration(cfg.Alerts.Every))
	}
	srv := server.New(scfg, st.wh, log)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	url := "http://" + srv.Addr()
	if demo {
		if err := loadDemo(ctx, srv, url, srv.Figures().Catalog(), *seed, stderr, log); err != nil {
			srv.Stop(context.Background())
			return err
		}
	}
	fmt.Fprintf(stdout, "motcua is listening on %s (ClickHouse database %q)\n", url, st.wh.Database())
	fmt.Fprintf(stdout, "  log in:     %s/login\n  units:      %s/api/v1/units\n  procedures: %s/api/v1/procedures\n  metrics:    %s/metrics\n", url, url, url, url)
	if len(demoUsers) > 0 {
		fmt.Fprintf(stdout, "  demo users (new passwords at every start):\n")
		for _, u := range demoUsers {
			fmt.Fprintf(stdout, "    login %-16s password %s  %s\n", u.Login, u.Password, u.About)
		}
		u := demoUsers[0]
		fmt.Fprintf(stdout, "  read the API: curl -u %s:%s '%s/api/v1/summary?from=2022-01-01&to=2022-12-31&group=level'\n", u.Login, u.Password, url)
	}
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
func loadDemo(ctx context.Context, srv *server.Server, url string, cat *motcua.Catalog, seed uint64, stderr io.Writer, log *slog.Logger) error {
	start := time.Now()
	evs, err := demo.Generate(cat, cat.Calendar(), demo.Config{Seed: seed, Now: time.Now()})
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
