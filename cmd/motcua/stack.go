package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/config"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/chlocal"
)

var errUsage = errors.New("usage")

// stackFlags are the flags every command that touches ClickHouse takes,
// bound to the configuration they override.
type stackFlags struct {
	cfg *config.Config
}

func (s *stackFlags) register(fs *flag.FlagSet) {
	ch := &s.cfg.ClickHouse
	registerConfigFlag(fs)
	fs.StringVar(&ch.Addr, "clickhouse", ch.Addr, "ClickHouse native `HOST:PORT`; empty starts a server of motcua's own (env MOTCUA_CLICKHOUSE)")
	fs.Func("clickhouse-password-file", "`FILE` holding the password of the ClickHouse at --clickhouse (or env MOTCUA_CLICKHOUSE_PASSWORD; none without either)", func(v string) error {
		return s.cfg.SetPasswordFile(v)
	})
	fs.StringVar(&ch.Database, "database", ch.Database, "ClickHouse database `NAME` (env MOTCUA_DATABASE)")
	fs.StringVar(&ch.User, "clickhouse-user", ch.User, "ClickHouse `USER` at --clickhouse (default \"default\"; env MOTCUA_CLICKHOUSE_USER)")
	fs.StringVar(&ch.Cluster, "cluster", ch.Cluster, "spread the tables over the shards of the ClickHouse cluster `NAME` at --clickhouse (env MOTCUA_CLICKHOUSE_CLUSTER)")
	fs.StringVar(&ch.Data, "data", ch.Data, "`DIR` for the data of the ClickHouse server motcua starts (env MOTCUA_DATA)")
	fs.Func("summary-timeout", "time limit of a summary query, 503 past it (default "+ch.SummaryTimeout.String()+")", func(v string) error {
		return ch.SummaryTimeout.Set(v)
	})
	fs.Func("summary-max-memory", "memory limit of a summary query, 400 past it (default "+ch.SummaryMaxMemory.String()+")", func(v string) error {
		return ch.SummaryMaxMemory.Set(v)
	})
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
	st := &stack{}
	ch := f.cfg.ClickHouse
	addr, user, pass := ch.Addr, ch.User, ch.Password.Value()
	if addr == "" {
		dir := filepath.Join(ch.Data, "clickhouse")
		log.Info("starting a ClickHouse server of motcua's own", "data", dir)
		srv, err := chlocal.Start(ctx, dir, chlocal.WithLogger(log.With("component", "clickhouse")))
		if err != nil {
			return nil, err
		}
		st.server, addr, user, pass = srv, srv.Addr(), chlocal.User, srv.Password()
		log.Info("ClickHouse is up", "addr", addr)
	}
	if fresh {
		log.Info("starting the demo database anew", "database", ch.Database)
		if err := warehouse.DropDatabase(ctx, warehouse.Config{Addr: addr, User: user, Password: pass, Database: ch.Database, Cluster: ch.Cluster}); err != nil {
			st.close()
			return nil, err
		}
	}
	wh, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, User: user, Password: pass, Database: ch.Database, Cluster: ch.Cluster,
		SummaryTimeout: time.Duration(ch.SummaryTimeout), SummaryMaxMemory: int64(ch.SummaryMaxMemory)})
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
	if err := wh.Recover(ctx); err != nil {
		st.close()
		return nil, err
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

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(args)
	if err != nil {
		return err
	}
	sf := stackFlags{cfg: &cfg}
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
	cfg, err := loadConfig(args[1:])
	if err != nil {
		return err
	}
	sf := stackFlags{cfg: &cfg}
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
