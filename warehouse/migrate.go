package warehouse

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version    uint32
	Name       string
	Statements []string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("cannot read migration %q: its name must start with a number and _", base)
		}
		body, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: uint32(v), Name: strings.TrimSuffix(base, ".sql"), Statements: splitSQL(string(body))})
	}
	return out, nil
}

// splitSQL splits a script into statements at semicolons that end a line,
// dropping comment lines.
func splitSQL(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") || t == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree ORDER BY version`

// Migrate applies every migration not yet recorded in schema_migrations and
// returns the names of those it applied. Each statement is idempotent, so a
// migration cut short is applied again whole on the next run.
func (w *Warehouse) Migrate(ctx context.Context) ([]string, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	// In cluster mode each statement is rewritten for the shards (cluster.go);
	// those of applied migrations too, without running them, so that the
	// rewriter knows every table made before.
	var c *cluster
	if w.cfg.Cluster != "" {
		c = newCluster(w.cfg.Cluster, w.db)
	}
	unknown, err := w.unknownTableSettings(ctx)
	if err != nil {
		return nil, err
	}
	// run runs a statement, or only the first cut statements that it makes
	// (on a cluster, several) when cut >= 0 (a test's cut).
	run := func(st string, exec bool, cut int) error {
		st = withoutSettings(st, unknown)
		sts := []string{st}
		if c != nil {
			var err error
			if sts, err = c.statements(st); err != nil {
				return err
			}
		}
		for i, s := range sts {
			if i == cut {
				return errMigrationCut
			}
			if !exec {
				continue
			}
			if err := w.conn.Exec(ctx, s); err != nil && !columnExists(s, err) {
				return err
			}
		}
		return nil
	}
	if err := run(migrationsTable, true, -1); err != nil {
		return nil, wrap(fmt.Errorf("cannot create schema_migrations: %w", err))
	}
	done, err := w.applied(ctx)
	if err != nil {
		return nil, err
	}
	var applied []string
	repaired := false
	for _, m := range ms {
		if !done[m.Version] && c != nil && !repaired {
			// The tables made so far are known: put back the Distributed
			// tables that a run cut short dropped and did not make again.
			if err := w.repairFronts(ctx, c); err != nil {
				return applied, err
			}
			repaired = true
		}
		for i, st := range m.Statements {
			cut := -1
			if !done[m.Version] && m.Version == cutMigration.version && i == cutMigration.statement {
				cut = cutMigration.part
			}
			// An ADD COLUMN that finds its column was applied by a run of this
			// migration that was cut short (run takes it as done).
			if err := run(st, !done[m.Version], cut); errors.Is(err, errMigrationCut) {
				return applied, err
			} else if err != nil {
				return applied, wrap(fmt.Errorf("cannot apply migration %s, statement %d: %w", m.Name, i+1, err))
			}
		}
		if done[m.Version] {
			continue
		}
		if err := w.insertRow(ctx, insertMigration,
			m.Version, m.Name, time.Now()); err != nil {
			return applied, wrap(fmt.Errorf("cannot record migration %s: %w", m.Name, err))
		}
		applied = append(applied, m.Name)
	}
	return applied, nil
}

// newerTableSettings are settings of a table that the migrations give and
// that ClickHouse 18.16 knows only for the whole server: Migrate leaves them
// out of a CREATE TABLE on a server that does not list them in
// system.merge_tree_settings. Any other setting that a server does not know
// fails the migration.
var newerTableSettings = []string{"min_compress_block_size"}

// unknownTableSettings returns those of newerTableSettings that the server
// does not know for a table.
func (w *Warehouse) unknownTableSettings(ctx context.Context) (map[string]bool, error) {
	known, err := w.strings(ctx, selectMergeTreeSettings)
	if err != nil {
		return nil, fmt.Errorf("cannot read the settings of a table that the server knows: %w", err)
	}
	return unknownOf(known), nil
}

// unknownOf returns those of newerTableSettings that are not in known, the
// names of system.merge_tree_settings. On a cluster they are the settings of
// the server motcua connects to: the servers of a cluster run one version.
func unknownOf(known []string) map[string]bool {
	unknown := map[string]bool{}
	for _, s := range newerTableSettings {
		unknown[s] = !slices.Contains(known, s)
	}
	return unknown
}

// reTableSettings is the SETTINGS clause of a CREATE TABLE, on a line of its
// own at the end, as the migrations write it. A clause written otherwise is
// left whole, and a server that does not know one of its settings fails the
// migration, which says so.
var reTableSettings = regexp.MustCompile(`(?s)^(CREATE TABLE .*\n)SETTINGS ([^\n]*)$`)

// withoutSettings returns st without the settings of a table in unknown.
// The values of the migrations' settings are numbers, without commas.
func withoutSettings(st string, unknown map[string]bool) string {
	m := reTableSettings.FindStringSubmatch(st)
	if m == nil {
		return st
	}
	var keep []string
	for _, s := range strings.Split(m[2], ",") {
		name, _, _ := strings.Cut(s, "=")
		if !unknown[strings.TrimSpace(name)] {
			keep = append(keep, strings.TrimSpace(s))
		}
	}
	if len(keep) == 0 {
		return strings.TrimSuffix(m[1], "\n")
	}
	return m[1] + "SETTINGS " + strings.Join(keep, ", ")
}

// cutMigration, set by tests only (export_test.go), makes Migrate stop before
// a statement of a migration (0-based), as a process killed there would; on a
// cluster, with part > 0, after the first part statements made of it.
var cutMigration struct {
	version   uint32
	statement int
	part      int
}

// repairFronts makes again, on a cluster, the Distributed table in front of
// each local table of motcua's that has none: a migration that makes one
// again (a RENAME, an ALTER) drops it first, and a run cut between the two
// would leave the name without a table, which the run again reads.
func (w *Warehouse) repairFronts(ctx context.Context, c *cluster) error {
	names, err := w.strings(ctx, selectTables, w.db)
	if err != nil {
		return fmt.Errorf("cannot read the tables of the cluster: %w", err)
	}
	for _, l := range names {
		name, local := strings.CutSuffix(l, "_local")
		if _, known := c.sharded[name]; !local || !known || slices.Contains(names, name) {
			continue
		}
		if err := w.conn.Exec(ctx, c.distributed("IF NOT EXISTS ", name)); err != nil {
			return wrap(fmt.Errorf("cannot make table %s again in front of %s: %w", name, l, err))
		}
	}
	return nil
}

var errMigrationCut = errors.New("the migration was cut short (a test's cut)")

func (w *Warehouse) applied(ctx context.Context) (map[uint32]bool, error) {
	rows, err := w.conn.Query(ctx, selectMigrations)
	if err != nil {
		return nil, wrap(fmt.Errorf("cannot read schema_migrations: %w", err))
	}
	defer rows.Close()
	done := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("cannot read a migration version: %w", err)
		}
		done[v] = true
	}
	return done, wrap(rows.Err())
}

// Pending returns the names of migrations not yet applied; readiness needs none.
func (w *Warehouse) Pending(ctx context.Context) ([]string, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	done, err := w.applied(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if !done[m.Version] {
			out = append(out, m.Name)
		}
	}
	return out, nil
}

// columnExists reports whether err says that the column an ADD COLUMN
// statement adds is there already (18.16 has no ADD COLUMN IF NOT EXISTS;
// it answers code 44, current versions 15, DUPLICATE_COLUMN).
func columnExists(statement string, err error) bool {
	var ex *clickhouse.Exception
	return strings.Contains(statement, "ADD COLUMN") && errors.As(err, &ex) && (ex.Code == 44 || ex.Code == 15) &&
		strings.Contains(ex.Message, "already exists")
}
