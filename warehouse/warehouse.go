// Package warehouse is motcua's ClickHouse adapter. It owns every line of SQL:
// the schema migrations (embedded, numbered, applied idempotently), the
// insertion of events with deduplication by event_id, the catalogues, and the
// queries that the dashboards and the alerter read.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/motcua/motcua"
)

// Config says where the warehouse is, and the limits of its queries.
type Config struct {
	Addr     string // HOST:PORT of the native protocol
	Database string // default "motcua"
	// User and Password authenticate; User defaults to "default", and an
	// empty Password is sent as none (a server without one).
	User     string
	Password string
	// SummaryTimeout stops a summary query that runs longer (ClickHouse's
	// max_execution_time, whole seconds); default DefaultSummaryTimeout.
	SummaryTimeout time.Duration
	// SummaryMaxMemory stops a summary query that needs more memory, in
	// bytes (ClickHouse's max_memory_usage); default DefaultSummaryMaxMemory.
	SummaryMaxMemory int64
	// Cluster, when set, is the name of the ClickHouse cluster (its
	// remote_servers) that motcua's tables are spread over: local tables on
	// every shard, Distributed tables in front (see cluster.go).
	Cluster string
}

// The limits of a summary query unless configured otherwise.
const (
	DefaultSummaryTimeout   = 30 * time.Second
	DefaultSummaryMaxMemory = 4 << 30
)

// Warehouse is a connection to motcua's ClickHouse database.
type Warehouse struct {
	conn driver.Conn
	db   string

	mu        sync.Mutex
	unsettled []unsettled // failed inserts whose rows may be in events without keys
	// unsettledFacts are failed writes of dossier facts whose rows may be in
	// dossier_facts without their copy in dossier_facts_by_id.
	unsettledFacts []unsettled
	cfg            Config
}

// ErrUnavailable wraps every error that comes from ClickHouse being
// unreachable, so that callers can answer "try again later".
var ErrUnavailable = motcua.ErrUnavailable

// Open connects to ClickHouse and creates the database if it is missing. It
// does not apply migrations; call Migrate.
func Open(ctx context.Context, cfg Config) (*Warehouse, error) {
	if cfg.Database == "" {
		cfg.Database = "motcua"
	}
	if cfg.SummaryTimeout <= 0 {
		cfg.SummaryTimeout = DefaultSummaryTimeout
	}
	if cfg.SummaryMaxMemory <= 0 {
		cfg.SummaryMaxMemory = DefaultSummaryMaxMemory
	}
	if !validIdent(cfg.Database) {
		return nil, fmt.Errorf("cannot use database name %q: use letters, digits and _", cfg.Database)
	}
	if cfg.Cluster != "" && !validIdent(cfg.Cluster) {
		return nil, fmt.Errorf("cannot use cluster name %q: use letters, digits and _", cfg.Cluster)
	}
	boot, err := connect(cfg, "default", nil)
	if err != nil {
		return nil, err
	}
	create := "CREATE DATABASE IF NOT EXISTS " + cfg.Database
	if cfg.Cluster != "" {
		create += " ON CLUSTER " + cfg.Cluster
	}
	if err := boot.Exec(ctx, create); err != nil {
		boot.Close()
		return nil, wrap(fmt.Errorf("cannot create database %q on %s: %w", cfg.Database, cfg.Addr, err))
	}
	known, err := queryStrings(ctx, boot, selectKnownSettings)
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot read the settings that ClickHouse at %s knows: %w", cfg.Addr, err)
	}
	conn, err := connect(cfg, cfg.Database, asSentOf(known))
	if err != nil {
		return nil, err
	}
	if cfg.Cluster != "" {
		if err := checkClusterSettings(ctx, conn, cfg.Cluster); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return &Warehouse{conn: conn, db: cfg.Database, cfg: cfg}, nil
}

// asSent are the settings, with their values, under which ClickHouse
// writes each insert as it is sent, as ClickHouse 18.16 does; Open gives
// them to every connection where the server knows them, and sends none that
// it does not know.
//
//   - optimize_on_insert: current versions collapse the rows of an insert
//     into a CollapsingMergeTree as a merge would, and a merge of one insert
//     alone can keep other rows than the merges of the whole table. A
//     dossier's new row sent before the cancel of its old one is a state
//     cancelled, and both go; with the old row stored, two cancels of it and
//     a new row keep the first cancel alone, and the old row stays. motcua's
//     writes of dossier facts rely on the table's merges alone to collapse
//     them (restoreFactsByID).
//   - async_insert: from 26.2 on, ClickHouse buffers small inserts and writes
//     them later, several in one part, under a query of its own. motcua
//     gathers its inserts itself (group commit) and mends a failed one by its
//     query id (waitQuery, restoreKeys): the buffered rows of an insert that
//     its client gave up on could be written after the mending.
var asSent = clickhouse.Settings{"optimize_on_insert": 0, "async_insert": 0}

// asSentOf returns the settings of asSent named in known.
func asSentOf(known []string) clickhouse.Settings {
	out := clickhouse.Settings{}
	for _, name := range known {
		if v, ok := asSent[name]; ok {
			out[name] = v
		}
	}
	return out
}

// connectionSettings are the settings of every query of a connection: those
// of a cluster, when there is one, and extra.
func connectionSettings(cluster string, extra clickhouse.Settings) clickhouse.Settings {
	settings := clickhouse.Settings{}
	if cluster != "" {
		settings["insert_distributed_sync"] = 1
		settings["insert_deduplicate"] = 0
	}
	maps.Copy(settings, extra)
	return settings
}

// connect opens a connection to database db, with the settings of a
// cluster and extra on every query.
func connect(cfg Config, db string, extra clickhouse.Settings) (driver.Conn, error) {
	addr := cfg.Addr
	user := cfg.User
	if user == "" {
		user = "default"
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Settings:        connectionSettings(cfg.Cluster, extra),
		Addr:            []string{addr},
		Auth:            clickhouse.Auth{Database: db, Username: user, Password: cfg.Password},
		DialTimeout:     3 * time.Second,
		ReadTimeout:     5 * time.Minute,
		MaxOpenConns:    8,
		MaxIdleConns:    4,
		ConnMaxLifetime: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot connect to ClickHouse at %q: %w", addr, err)
	}
	return conn, nil
}

// Close closes the connection.
func (w *Warehouse) Close() error { return w.conn.Close() }

// Database returns the database name.
func (w *Warehouse) Database() string { return w.db }

// Ping checks that ClickHouse answers.
func (w *Warehouse) Ping(ctx context.Context) error {
	if err := w.conn.Ping(ctx); err != nil {
		return wrap(fmt.Errorf("cannot reach ClickHouse: %w", err))
	}
	return nil
}

// wrap marks err as ErrUnavailable when it comes from the network rather
// than from ClickHouse refusing the query.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, clickhouse.ErrAcquireConnTimeout) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "connection reset") {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// queryStrings returns the one column of a query's rows, over conn.
func queryStrings(ctx context.Context, conn driver.Conn, query string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, wrap(err)
		}
		out = append(out, v)
	}
	return out, wrap(rows.Err())
}

// insertRow inserts one row through a batch: an INSERT with inline values
// and bound arguments does not complete on ClickHouse 18.16.
func (w *Warehouse) insertRow(ctx context.Context, insert string, args ...any) error {
	b, err := w.conn.PrepareBatch(ctx, insert)
	if err != nil {
		return wrap(err)
	}
	if err := b.Append(args...); err != nil {
		b.Abort()
		return err
	}
	return wrap(b.Send())
}

// DropDatabase removes a database and everything in it; the demo starts
// anew with it.
func DropDatabase(ctx context.Context, cfg Config) error {
	if !validIdent(cfg.Database) {
		return fmt.Errorf("cannot use database name %q: use letters, digits and _", cfg.Database)
	}
	conn, err := connect(cfg, "default", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	drop := "DROP DATABASE IF EXISTS " + cfg.Database
	if cfg.Cluster != "" {
		drop += " ON CLUSTER " + cfg.Cluster
	}
	if err := conn.Exec(ctx, drop); err != nil {
		return wrap(fmt.Errorf("cannot drop database %q: %w", cfg.Database, err))
	}
	return nil
}
