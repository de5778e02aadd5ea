package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestClusterExample checks the example cluster of deploy/clickhouse/: two
// shards of two replicas each, Keeper on an odd number of servers that the
// ClickHouse servers all know, and no secret written in the files.
func TestClusterExample(t *testing.T) {
	dir := filepath.Join(root, "deploy", "clickhouse")
	type fromEnv struct {
		Value string `xml:",chardata"`
		Env   string `xml:"from_env,attr"`
	}
	type hostPort struct {
		Host string `xml:"host"`
		Port int    `xml:"port"`
	}
	var conf struct {
		Cluster struct {
			Secret fromEnv `xml:"secret"`
			Shards []struct {
				InternalReplication bool       `xml:"internal_replication"`
				Replicas            []hostPort `xml:"replica"`
			} `xml:"shard"`
		} `xml:"remote_servers>motcua"`
		Macros struct {
			Shard   fromEnv `xml:"shard"`
			Replica fromEnv `xml:"replica"`
		} `xml:"macros"`
		Keeper      []hostPort `xml:"zookeeper>node"`
		Interserver fromEnv    `xml:"interserver_http_credentials>password"`
	}
	var keeper struct {
		ServerID fromEnv `xml:"keeper_server>server_id"`
		Port     int     `xml:"keeper_server>tcp_port"`
		Raft     []struct {
			ID       int    `xml:"id"`
			Hostname string `xml:"hostname"`
		} `xml:"keeper_server>raft_configuration>server"`
	}
	files, _ := filepath.Glob(filepath.Join(dir, "config.d", "*.xml"))
	if len(files) == 0 {
		t.Fatalf("no files in %s/config.d", dir)
	}
	for _, f := range files {
		decodeXML(t, f, &conf) // each file fills its own part
	}
	decodeXML(t, filepath.Join(dir, "keeper_config.d", "motcua.xml"), &keeper)
	decodeXML(t, filepath.Join(dir, "users.d", "motcua.xml"), &struct{}{})

	if len(conf.Cluster.Shards) != 2 {
		t.Errorf("cluster motcua has %d shards, want 2", len(conf.Cluster.Shards))
	}
	hosts := map[string]bool{}
	for i, s := range conf.Cluster.Shards {
		if len(s.Replicas) != 2 || !s.InternalReplication {
			t.Errorf("shard %d: %d replicas, internal_replication %v: want 2 and true", i+1, len(s.Replicas), s.InternalReplication)
		}
		for _, r := range s.Replicas {
			if hosts[r.Host] || r.Port != 9000 {
				t.Errorf("shard %d: replica %s:%d: want a host of its own on the native port 9000", i+1, r.Host, r.Port)
			}
			hosts[r.Host] = true
		}
	}
	for name, v := range map[string]fromEnv{"the cluster's secret": conf.Cluster.Secret, "the replicas' password": conf.Interserver,
		"the shard macro": conf.Macros.Shard, "the replica macro": conf.Macros.Replica, "Keeper's server_id": keeper.ServerID} {
		if v.Env == "" || strings.TrimSpace(v.Value) != "" {
			t.Errorf("%s is written in the file (%q), not taken from_env", name, v.Value)
		}
	}
	if n := len(keeper.Raft); n < 3 || n%2 == 0 {
		t.Errorf("Keeper runs on %d servers: want an odd number, 3 or more", n)
	}
	var raft, clients []string
	for _, s := range keeper.Raft {
		raft = append(raft, fmt.Sprintf("%s:%d", s.Hostname, keeper.Port))
	}
	for _, k := range conf.Keeper {
		clients = append(clients, fmt.Sprintf("%s:%d", k.Host, k.Port))
	}
	slices.Sort(raft)
	slices.Sort(clients)
	if !slices.Equal(raft, clients) {
		t.Errorf("the ClickHouse servers look for Keeper at %v, Keeper runs at %v", clients, raft)
	}
}

func decodeXML(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}
