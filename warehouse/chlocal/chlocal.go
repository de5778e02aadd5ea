// Package chlocal starts a ClickHouse server of motcua's own: the official
// `clickhouse` binary when it is on PATH, else Debian's `clickhouse-server`.
// The server keeps its data and generated configuration under one folder,
// listens on loopback only, on free ports, and stops with its Server.
package chlocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Server is a ClickHouse server process that motcua started.
type Server struct {
	dir      string
	tcpPort  int
	httpPort int
	cmd      *exec.Cmd
	done     chan struct{}
}

// Binary returns the command line that starts a ClickHouse server on this
// machine, or an error that says how to install one.
func Binary() ([]string, error) {
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return []string{p, "server", "--"}, nil
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return []string{p}, nil
	}
	return nil, errors.New("cannot find a ClickHouse server: neither \"clickhouse\" nor \"clickhouse-server\" is on PATH; " +
		"install one (as root: apt-get update && apt-get install -y clickhouse-server) or pass --clickhouse HOST:PORT")
}

// Start starts a server whose data and configuration live under dir.
// It returns once the server answers on its native port.
func Start(ctx context.Context, dir string) (*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve data folder %q: %w", dir, err)
	}
	s := &Server{dir: dir}
	if s.tcpPort, err = freePort(); err != nil {
		return nil, err
	}
	if s.httpPort, err = freePort(); err != nil {
		return nil, err
	}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Addr returns the native protocol address, HOST:PORT.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tcpPort))
}

// HTTPAddr returns the HTTP interface's address, HOST:PORT.
func (s *Server) HTTPAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpPort))
}

// Restart starts a stopped server again on the same ports and data.
func (s *Server) Restart(ctx context.Context) error {
	if s.cmd != nil {
		return errors.New("cannot restart ClickHouse: it is running")
	}
	return s.start(ctx)
}

func (s *Server) start(ctx context.Context) error {
	bin, err := Binary()
	if err != nil {
		return err
	}
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return fmt.Errorf("cannot create ClickHouse folder: %w", err)
		}
	}
	conf := filepath.Join(s.dir, "config.xml")
	if err := os.WriteFile(conf, []byte(s.config()), 0o644); err != nil {
		return fmt.Errorf("cannot write ClickHouse config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
		return fmt.Errorf("cannot write ClickHouse users: %w", err)
	}
	args := append(bin[1:], "--config-file="+conf)
	cmd := exec.Command(bin[0], args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stderr, err := os.Create(filepath.Join(s.dir, "log", "stderr.log"))
	if err != nil {
		return fmt.Errorf("cannot create ClickHouse log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		stderr.Close()
		return fmt.Errorf("cannot start %q: %w", bin[0], err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); stderr.Close(); close(done) }()
	s.cmd, s.done = cmd, done

	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("cannot start ClickHouse: it exited early; see %s", filepath.Join(s.dir, "log"))
		case <-ctx.Done():
			s.Stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("cannot start ClickHouse: no answer on %s after 60 s; see %s", s.Addr(), filepath.Join(s.dir, "log"))
		}
	}
}

// Stop stops the server and waits for it to exit.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
	return nil
}

func (s *Server) config() string {
	return fmt.Sprintf(`<?xml version="1.0"?>
<!-- Written by motcua; rewritten at every start. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>%[1]s/log/clickhouse.log</log>
    <errorlog>%[1]s/log/clickhouse.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%[2]d</tcp_port>
  <http_port>%[3]d</http_port>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <mark_cache_size>536870912</mark_cache_size>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>Asia/Ho_Chi_Minh</timezone>
</yandex>
`, s.dir, s.tcpPort, s.httpPort)
}

const usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
