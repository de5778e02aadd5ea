package warehouse

import (
	"maps"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// TestConnectionSettings: a connection carries the settings of a cluster
// when there is one, and those that Open found the server knows of asSent.
func TestConnectionSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		cluster string
		known   []string
		want    clickhouse.Settings
	}{
		{"one server of 18.16", "", nil, clickhouse.Settings{}},
		{"one current server", "", []string{"optimize_on_insert", "async_insert"},
			clickhouse.Settings{"optimize_on_insert": 0, "async_insert": 0}},
		{"a cluster of 18.16", "motcua", nil, clickhouse.Settings{"insert_distributed_sync": 1, "insert_deduplicate": 0}},
		{"a current cluster", "motcua", []string{"async_insert", "optimize_on_insert"},
			clickhouse.Settings{"insert_distributed_sync": 1, "insert_deduplicate": 0, "optimize_on_insert": 0, "async_insert": 0}},
		{"a server that knows one", "", []string{"optimize_on_insert", "max_threads"}, clickhouse.Settings{"optimize_on_insert": 0}},
	} {
		if got := connectionSettings(c.cluster, asSentOf(c.known)); !maps.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
