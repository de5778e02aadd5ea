package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/chlocal"
)

var errUsage = errors.New("usage")

// stackFlags are the flags every command that touches ClickHouse takes.
type stackFlags struct {
	clickhouse string
	// passFile holds the password of the external ClickHouse; without it,
	// env MOTCUA_CLICKHOUSE_PASSWORD, else none.
	passFile string
	database string
	data     string
	hours    string
	// The limits of a summary query.
	summaryTimeout   time.Duration
	summaryMaxMemory int64
}

func (s *stackFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.clickhouse, "clickhouse", os.Getenv("MOTCUA_CLICKHOUSE"), "ClickHouse native `HOST:PORT`; empty starts a server of motcua's own (env MOTCUA_CLICKHOUSE)")
	fs.StringVar(&s.passFile, "clickhouse-password-file", os.Getenv("MOTCUA_CLICKHOUSE_PASSWORD_FILE"), "`FILE` holding the password of the ClickHouse at --clickhouse (or env MOTCUA_CLICKHOUSE_PASSWORD; none without either)")
	fs.StringVar(&s.database, "database", envOr("MOTCUA_DATABASE", "motcua"), "ClickHouse database `NAME`")
	fs.StringVar(&s.data, "data", envOr("MOTCUA_DATA", "var"), "`DIR` for the data of the ClickHouse server motcua starts")
	fs.DurationVar(&s.summaryTimeout, "summary-timeout", warehouse.DefaultSummaryTimeout, "time limit of a summary query (503 past it)")
	fs.Int64Var(&s.summaryMaxMemory, "summary-max-memory", warehouse.DefaultSummaryMaxMemory, "memory limit of a summary query in `BYTES` (400 past it)")
	fs.StringVar(&s.hours, "working-hours", envOr("MOTCUA_WORKING_HOURS", "07:00-11:30,13:30-17:00"), "working `HOURS` of a working day, Asia/Ho_Chi_Minh (env MOTCUA_WORKING_HOURS)")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// stack is an open, migrated warehouse, and the ClickHouse server motcua
// started for it, if any.
type stack struct {
	wh     *warehouse.Warehouse
	server *chlocal.Server
}

func (s *stack) close() {
	if s.wh != nil {
		s.wh.Close()
	}
	if s.server != nil {
		s.server.Stop()
	}
}

// open connects to ClickHouse, starting a server when none is given, and
// applies the migrations.
func (f *stackFlags) open(ctx context.Context, log *slog.Logger) (*stack, error) {
	return f.openFresh(ctx, log, false)
}

// openFresh is open, dropping the database first when fresh is set.
func (f *stackFlags) openFresh(ctx context.Context, log *slog.Logger, fresh bool) (*stack, error) {
	if _, err := motcua.ParseSessions(f.hours); err != nil {
		return nil, err
	}
	st := &stack{}
	addr, pass := f.clickhouse, os.Getenv("MOTCUA_CLICKHOUSE_PASSWORD")
	if f.passFile != "" {
		b, err := os.ReadFile(f.passFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read the ClickHouse password file: %w", err)
		}
		pass = strings.TrimSpace(string(b))
	}
	if addr == "" {
		dir := filepath.Join(f.data, "clickhouse")
		log.Info("starting a ClickHouse server of motcua's own", "data", dir)
		srv, err := chlocal.Start(ctx, dir, chlocal.WithLogger(log.With("component", "clickhouse")))
		if err != nil {
			return nil, err
		}
		st.server, addr, pass = srv, srv.Addr(), srv.Password()
		log.Info("ClickHouse is up", "addr", addr)
	}
	if fresh {
		log.Info("starting the demo database anew", "database", f.database)
		if err := warehouse.DropDatabase(ctx, warehouse.Config{Addr: addr, Password: pass, Database: f.database}); err != nil {
			st.close()
			return nil, err
		}
	}
	wh, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Password: pass, Database: f.database, SummaryTimeout: f.summaryTimeout, SummaryMaxMemory: f.summaryMaxMemory})
	if err != nil {
		st.close()
		return nil, err
	}
	st.wh = wh
	applied, err := wh.Migrate(ctx)
	if err != nil {
		st.close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("applied migration", "name", m)
	}
	return st, nil
}

// ensureCatalog loads the catalogue in dir, or the shipped Duyên Hải one when
// dir is empty and the warehouse has none, and returns the current one.
func (s *stack) ensureCatalog(ctx context.Context, dir string, log *slog.Logger) (*motcua.Catalog, error) {
	if dir != "" {
		c, err := catalog.LoadDir(dir)
		if err != nil {
			return nil, err
		}
		if err := s.wh.SaveCatalog(ctx, c, dir); err != nil {
			return nil, err
		}
		log.Info("loaded catalogue", "dir", dir, "units", len(c.Units), "procedures", len(c.Procedures))
		return c, nil
	}
	c, err := s.wh.Catalog(ctx)
	if err != nil || c != nil {
		return c, err
	}
	c, err = catalog.Load(catalog.DuyenHai())
	if err != nil {
		return nil, err
	}
	if err := s.wh.SaveCatalog(ctx, c, "duyenhai (shipped)"); err != nil {
		return nil, err
	}
	log.Info("loaded the shipped Duyên Hải catalogue", "units", len(c.Units), "procedures", len(c.Procedures))
	return c, nil
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return errUsage
	}
	return nil
}

// tokenFlags collects --ingest-token SOURCE:TOKEN.
type tokenFlags map[string]string

// String is flag.Value's; tokens are not shown.
func (t tokenFlags) String() string { return "" }

// Set adds SOURCE:TOKEN pairs, comma-separated.
func (t tokenFlags) Set(v string) error {
	for _, pair := range strings.Split(v, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		src, tok, ok := strings.Cut(pair, ":")
		if !ok || src == "" || tok == "" {
			return errors.New("want SOURCE:TOKEN (the value is not shown: it may hold a token)")
		}
		if len(tok) < 8 {
			return fmt.Errorf("the token of source %q is shorter than 8 characters", src)
		}
		if prev, dup := t[tok]; dup && prev != src {
			return fmt.Errorf("sources %q and %q have the same token", prev, src)
		}
		t[tok] = src
	}
	return nil
}

// readTokenFile adds the SOURCE:TOKEN lines of a file to t; blank lines and
// lines that start with # are skipped. Errors name the line, never a token.
func (t tokenFlags) readFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the ingest token file: %w", err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := t.Set(line); err != nil {
			return fmt.Errorf("cannot read the ingest token file %q: line %d: %w", path, i+1, err)
		}
	}
	return nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := sf.open(ctx, newLogger(stderr))
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Fprintln(stdout, "schema is up to date")
	return nil
}

func catalogCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "load" {
		fmt.Fprintln(stderr, "usage: motcua catalog load [flags] DIR")
		return errUsage
	}
	fs := flag.NewFlagSet("catalog load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: motcua catalog load [flags] DIR")
		return errUsage
	}
	// Check the files before touching ClickHouse.
	c, err := catalog.LoadDir(fs.Arg(0))
	if err != nil {
		return err
	}
	st, err := sf.open(ctx, newLogger(stderr))
	if err != nil {
		return err
	}
	defer st.close()
	if err := st.wh.SaveCatalog(ctx, c, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %d units, %d procedures, %d officials, %d targets, %d calendar days from %s\n",
		len(c.Units), len(c.Procedures), len(c.Officials), len(c.Targets), len(c.Days), fs.Arg(0))
	return nil
}

// sessions returns the working hours of the flags, checked by open.
func (f *stackFlags) sessions() []motcua.Session {
	s, _ := motcua.ParseSessions(f.hours)
	return s
}
