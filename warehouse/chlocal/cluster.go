package chlocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StartCluster starts n servers under dir (shard-1, shard-2, ...) as the
// shards of a cluster named name, one replica each, with the macros
// {shard} and {replica} that replicated tables name their paths with, and
// distributed DDL (ON CLUSTER) through the ZooKeeper at zk (HOST:PORT). The
// servers share one password, so that each can query the others.
func StartCluster(ctx context.Context, dir, name string, n int, zk string, opts ...Option) ([]*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve data folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create ClickHouse folder %q: %w", dir, err)
	}
	pw, err := password(filepath.Join(dir, "password"))
	if err != nil {
		return nil, err
	}
	servers := make([]*Server, n)
	for i := range servers {
		s := &Server{dir: filepath.Join(dir, fmt.Sprintf("shard-%d", i+1)), password: pw, log: slog.New(slog.DiscardHandler),
			profile: ClusterProfile}
		for _, o := range opts {
			o(s)
		}
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create ClickHouse folder %q: %w", s.dir, err)
		}
		if s.tcpPort, err = freePort(); err != nil {
			return nil, err
		}
		if s.httpPort, err = freePort(); err != nil {
			return nil, err
		}
		servers[i] = s
	}
	zkHost, zkPort, err := net.SplitHostPort(zk)
	if err != nil {
		return nil, fmt.Errorf("cannot read the ZooKeeper address %q: %w", zk, err)
	}
	var shards strings.Builder
	for _, s := range servers {
		fmt.Fprintf(&shards, "      <shard><internal_replication>true</internal_replication><replica><host>127.0.0.1</host><port>%d</port>"+
			"<user>%s</user><password>%s</password></replica></shard>\n", s.tcpPort, User, pw)
	}
	for i, s := range servers {
		s.extra = fmt.Sprintf(`  <zookeeper><node><host>%s</host><port>%s</port></node></zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <remote_servers>
    <%s>
%s    </%s>
  </remote_servers>
  <macros><shard>%02d</shard><replica>r1</replica></macros>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>%d</interserver_http_port>
`, zkHost, zkPort, name, shards.String(), name, i+1, mustFreePort())
		if err := s.Restart(ctx); err != nil {
			for _, started := range servers[:i] {
				started.Stop()
			}
			return nil, err
		}
	}
	return servers, nil
}

func mustFreePort() int {
	p, err := freePort()
	if err != nil {
		return 0 // the server then fails to start, and says so
	}
	return p
}

// ClusterProfile is what motcua needs of the default profile of a
// cluster's servers (warehouse.Config.Cluster): inserts into Distributed
// tables that wait for every shard, and IN subqueries between tables sharded
// alike that read the local tables. The native protocol of 18.16 cannot set
// the second per query.
const ClusterProfile = "<insert_distributed_sync>1</insert_distributed_sync><distributed_product_mode>local</distributed_product_mode>"

// ZooKeeper is a standalone ZooKeeper server that motcua started, for
// clusters of ClickHouse servers in tests (Debian's package zookeeper).
type ZooKeeper struct {
	port int
	p    *process
}

// StartZooKeeper starts ZooKeeper on a free loopback port with its data
// under dir, and returns once it answers.
func StartZooKeeper(ctx context.Context, dir string) (*ZooKeeper, error) {
	const jar = "/usr/share/java/zookeeper.jar"
	java, err := exec.LookPath("java")
	if _, statErr := os.Stat(jar); err != nil || statErr != nil {
		return nil, errors.New("cannot find ZooKeeper: install it (as root: apt-get update && apt-get install -y zookeeper)")
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create ZooKeeper folder: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	if err != nil {
		return nil, fmt.Errorf("cannot create ZooKeeper log: %w", err)
	}
	cmd := exec.Command(java, "-Xmx256m", "-Dzookeeper.admin.enableServer=false", "-cp", jar+":/usr/share/java/*",
		"org.apache.zookeeper.server.ZooKeeperServerMain", strconv.Itoa(port), filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("cannot start ZooKeeper: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), started: time.Now()}
	go func() { cmd.Wait(); log.Close(); close(p.done) }()
	zk := &ZooKeeper{port: port, p: p}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if ok := zk.answers(); ok {
			return zk, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("cannot start ZooKeeper: it exited; see %s", filepath.Join(dir, "zookeeper.log"))
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("cannot start ZooKeeper: no answer on %s after 60 s", zk.Addr())
		}
	}
}

// answers reports whether the server takes a connection and a session
// request (a "srvr" four-letter word needs a whitelist, so open a socket).
func (z *ZooKeeper) answers() bool {
	c, err := net.DialTimeout("tcp", z.Addr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Addr returns the client address, HOST:PORT.
func (z *ZooKeeper) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(z.port)) }

// Stop stops the server and waits for it to exit.
func (z *ZooKeeper) Stop() { z.p.kill() }
