package chlocal

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// must runs q on a server and returns its answer.
func must(t *testing.T, s *Server, q string) string {
	t.Helper()
	out, err := query(s, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.TrimSpace(out)
}

// Two servers as the shards of a cluster, with ZooKeeper: a table created
// ON CLUSTER is on both, and a Distributed table in front spreads rows
// over them by the sharding key and reads them back from both.
func TestCluster(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Skip(err)
	}
	zk, err := StartZooKeeper(t.Context(), t.TempDir())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer zk.Stop()
	servers, err := StartCluster(t.Context(), t.TempDir(), "motcua", 2, zk.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, s := range servers {
			s.Stop()
		}
	}()
	a, b := servers[0], servers[1]
	must(t, a, "CREATE TABLE default.t_local ON CLUSTER motcua (x UInt32) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/default/t_local', '{replica}') ORDER BY x")
	must(t, a, "CREATE TABLE default.t ON CLUSTER motcua AS default.t_local ENGINE = Distributed(motcua, default, t_local, x)")
	// Synchronous: the insert returns once every shard has its rows.
	resp, err := http.Post("http://"+b.HTTPAddr()+"/?insert_distributed_sync=1&user="+User+"&password="+url.QueryEscape(b.Password()),
		"text/plain", strings.NewReader("INSERT INTO default.t SELECT number FROM system.numbers LIMIT 1000"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("insert: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := must(t, a, "SELECT count(), sum(x) FROM default.t"); got != "1000\t499500" {
		t.Errorf("the distributed table holds %q, want 1000 rows summing to 499500", got)
	}
	na, nb := must(t, a, "SELECT count() FROM default.t_local"), must(t, b, "SELECT count() FROM default.t_local")
	if na != "500" || nb != "500" {
		t.Errorf("the shards hold %s and %s rows, want 500 each (sharded by x)", na, nb)
	}
}
