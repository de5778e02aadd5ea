package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// In cluster mode (Config.Cluster) every table of the migrations is two:
// NAME_local on every shard, created ON CLUSTER with the replicated form of
// its engine (its replicas kept by the cluster's ClickHouse Keeper or
// ZooKeeper), and NAME, a Distributed table in front of them that every
// query and insert of motcua goes through, unchanged. Tables with a
// dossier_id are sharded by it, so that a dossier's events, keys, facts and
// notices sit on one shard: the materialized views that copy events and
// facts run on each shard locally, and IN subqueries between those tables
// may read the local tables (distributed_product_mode = 'local'). The other
// tables (catalogues, logs of the refresher) are small and spread at random.
// Inserts wait for every shard (insert_distributed_sync), so that a 200
// still means committed.
//
// cluster rewrites the statements of the migrations, written for one
// server, for the cluster: that is, each CREATE, DROP, RENAME and ALTER
// that the migrations use. It knows the tables made so far, to shard a
// table made AS another the same way.
type cluster struct {
	name, db string
	sharded  map[string]bool // tables sharded by dossier_id
}

func newCluster(name, db string) *cluster {
	return &cluster{name: name, db: db, sharded: map[string]bool{}}
}

var (
	reCreate     = regexp.MustCompile(`(?s)^CREATE TABLE (IF NOT EXISTS )?(\w+) \((.*)\) ENGINE = (\w+)(?:\(([^)]*)\))?(.*)$`)
	reCreateAs   = regexp.MustCompile(`(?s)^CREATE TABLE (IF NOT EXISTS )?(\w+) AS (\w+)\s+ENGINE = (\w+)(?:\(([^)]*)\))?(.*)$`)
	reView       = regexp.MustCompile(`(?s)^CREATE MATERIALIZED VIEW (IF NOT EXISTS )?(\w+) TO (\w+) AS\s(.*) FROM (\w+)(.*)$`)
	reDrop       = regexp.MustCompile(`^DROP TABLE (IF EXISTS )?(\w+)$`)
	reRename     = regexp.MustCompile(`^RENAME TABLE (.*)$`)
	reAlter      = regexp.MustCompile(`(?s)^ALTER TABLE (\w+) (ADD COLUMN .*)$`)
	reInsert     = regexp.MustCompile(`(?s)^INSERT INTO `)
	reDossierCol = regexp.MustCompile(`(?m)^\s*dossier_id String,?$`)
)

// statements returns what runs on the cluster for one statement of a
// migration.
func (c *cluster) statements(st string) ([]string, error) {
	st = strings.TrimSpace(st)
	on := " ON CLUSTER " + c.name
	if m := reCreate.FindStringSubmatch(st); m != nil {
		ifNot, name, cols, engine, args, rest := m[1], m[2], m[3], m[4], m[5], m[6]
		c.sharded[name] = reDossierCol.MatchString(cols)
		return []string{
			fmt.Sprintf("CREATE TABLE %s%s_local%s (%s) ENGINE = %s%s", ifNot, c.q(name), on, cols, c.replicated(name, engine, args), rest),
			c.distributed(ifNot, name),
		}, nil
	}
	if m := reCreateAs.FindStringSubmatch(st); m != nil {
		ifNot, name, from, engine, args, rest := m[1], m[2], m[3], m[4], m[5], m[6]
		c.sharded[name] = c.sharded[from]
		return []string{
			fmt.Sprintf("CREATE TABLE %s%s_local%s AS %s_local ENGINE = %s%s", ifNot, c.q(name), on, c.q(from), c.replicated(name, engine, args), rest),
			c.distributed(ifNot, name),
		}, nil
	}
	if m := reView.FindStringSubmatch(st); m != nil {
		ifNot, view, to, sel, from, rest := m[1], m[2], m[3], m[4], m[5], m[6]
		return []string{fmt.Sprintf("CREATE MATERIALIZED VIEW %s%s%s TO %s_local AS %s FROM %s_local%s", ifNot, c.q(view), on, c.q(to), sel, c.q(from), rest)}, nil
	}
	if m := reDrop.FindStringSubmatch(st); m != nil {
		name := m[2]
		if strings.HasSuffix(name, "_mv") {
			return []string{"DROP TABLE IF EXISTS " + c.q(name) + on}, nil
		}
		return []string{"DROP TABLE IF EXISTS " + c.q(name) + on, "DROP TABLE IF EXISTS " + c.q(name) + "_local" + on}, nil
	}
	if m := reRename.FindStringSubmatch(st); m != nil {
		// The local tables move first; then the Distributed tables in front
		// of the new names are made again, and those of old names that no
		// table takes go. A Distributed table finds its local tables by name
		// when queried, so a run cut short after the move still has one in
		// front of each name, and the run again finds what it reads; one cut
		// between a drop and the making again, Migrate makes again first
		// (repairFronts).
		var locals, from, to []string
		sharded := map[string]bool{}
		for _, pair := range strings.Split(m[1], ",") {
			f, t, ok := strings.Cut(strings.TrimSpace(pair), " TO ")
			if !ok {
				return nil, fmt.Errorf("cannot run %q on a cluster: cannot read the pair %q", st, pair)
			}
			locals = append(locals, c.q(f)+"_local TO "+c.q(t)+"_local")
			sharded[t] = c.sharded[f]
			from, to = append(from, f), append(to, t)
		}
		out := []string{"RENAME TABLE " + strings.Join(locals, ", ") + on}
		for _, t := range to {
			c.sharded[t] = sharded[t]
			out = append(out, "DROP TABLE IF EXISTS "+c.q(t)+on, c.distributed("", t))
		}
		for _, f := range from {
			if !slices.Contains(to, f) {
				out = append(out, "DROP TABLE IF EXISTS "+c.q(f)+on)
			}
		}
		return out, nil
	}
	if m := reAlter.FindStringSubmatch(st); m != nil {
		name, change := m[1], m[2]
		// A Distributed table cannot be altered ON CLUSTER on every version:
		// it is made again in front of the altered local tables.
		return []string{"ALTER TABLE " + c.q(name) + "_local" + on + " " + change, "DROP TABLE IF EXISTS " + c.q(name) + on, c.distributed("", name)}, nil
	}
	if reInsert.MatchString(st) {
		return []string{st}, nil
	}
	return nil, fmt.Errorf("cannot run %q on a cluster: motcua does not know how to spread this statement over the shards", firstLine(st))
}

// replicated writes the replicated form of a MergeTree engine, with the
// table's path in the Keeper by shard and its replica by the server's
// macros. Each table made gets a path of its own (a random suffix): a table
// that a migration made under one name and renamed keeps its path, and a
// run of that migration again, cut short before, makes the name anew.
func (c *cluster) replicated(table, engine, args string) string {
	var b [4]byte
	rand.Read(b[:])
	path := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s_local-%s', '{replica}'", c.db, table, hex.EncodeToString(b[:]))
	if strings.TrimSpace(args) != "" {
		path += ", " + args
	}
	return "Replicated" + engine + "(" + path + ")"
}

// distributed writes the Distributed table in front of a table's local ones.
func (c *cluster) distributed(ifNot, table string) string {
	key := "rand()"
	if c.sharded[table] {
		key = "cityHash64(dossier_id)"
	}
	return fmt.Sprintf("CREATE TABLE %s%s ON CLUSTER %s AS %s_local ENGINE = Distributed(%s, %s, %s_local, %s)",
		ifNot, c.q(table), c.name, c.q(table), c.name, c.db, table, key)
}

// q names a table with its database: a statement ON CLUSTER runs on each
// server in its default database, not the connection's.
func (c *cluster) q(table string) string { return c.db + "." + table }

// localTable is the table that a mutation of table changes: its local
// tables on every shard, in cluster mode.
func (w *Warehouse) localTable(table string) string {
	if w.cfg.Cluster == "" {
		return table
	}
	return w.db + "." + table + "_local ON CLUSTER " + w.cfg.Cluster
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// checkClusterSettings checks that the cluster exists and that the user's
// profile sets what cluster mode needs and a query cannot set on every
// version: distributed_product_mode = 'local', so that an IN subquery over a
// table sharded like the outer one reads the shard's own rows.
func checkClusterSettings(ctx context.Context, conn driver.Conn, name string) error {
	var shards uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = ?", name).Scan(&shards); err != nil {
		return wrap(fmt.Errorf("cannot read the clusters of ClickHouse: %w", err))
	}
	if shards == 0 {
		return fmt.Errorf("cannot use cluster %q: ClickHouse has no such cluster in its remote_servers", name)
	}
	var mode string
	if err := conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'distributed_product_mode'").Scan(&mode); err != nil {
		return wrap(fmt.Errorf("cannot read the settings of ClickHouse: %w", err))
	}
	if mode != "local" {
		return fmt.Errorf("cannot use cluster %q: the ClickHouse user's profile has distributed_product_mode = %q; "+
			"set it to 'local' (see deploy/clickhouse/users.d/motcua.xml)", name, mode)
	}
	return nil
}

// Optimize merges the parts of a table, so that the copies that a
// ReplacingMergeTree or CollapsingMergeTree keeps until its next merge go:
// on every shard in cluster mode.
func (w *Warehouse) Optimize(ctx context.Context, table string) error {
	if !validIdent(table) {
		return fmt.Errorf("cannot optimize table %q: use letters, digits and _", table)
	}
	if err := w.conn.Exec(ctx, "OPTIMIZE TABLE "+w.localTable(table)+" FINAL"); err != nil {
		return wrap(fmt.Errorf("cannot merge the parts of %s: %w", table, err))
	}
	return nil
}
