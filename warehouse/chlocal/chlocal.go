// Package chlocal starts a ClickHouse server of motcua's own: the official
// `clickhouse` binary when it is on PATH, else Debian's `clickhouse-server`.
// The server keeps its data and generated configuration under one folder,
// listens on loopback only, on free ports, and stops with its Server.
package chlocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a ClickHouse server process that motcua started. When the
// process exits by itself (a crash, kill -9, the OOM killer), Server starts it
// again on the same ports and data, after a wait that doubles from one second
// to 30 s while it keeps failing, and logs each restart; Stop ends that.
type Server struct {
	dir      string
	tcpPort  int
	httpPort int
	password string
	log      *slog.Logger
	extra    string // more configuration (a cluster's), inside <yandex>
	profile  string // more settings of the default profile

	mu      sync.Mutex
	proc    *process      // the running process; nil once stopped
	quit    chan struct{} // closed by Stop: no more restarts
	watcher sync.WaitGroup
}

// process is one run of the ClickHouse binary.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when it has exited
	started time.Time
}

// Option configures Start.
type Option func(*Server)

// WithLogger sets where the server's restarts are logged; by default nowhere.
func WithLogger(log *slog.Logger) Option {
	return func(s *Server) { s.log = log }
}

// Restart waits, from the first to the last restart: doubling from
// minBackoff to maxBackoff, back to minBackoff after a run of stableRun.
const (
	minBackoff = time.Second
	maxBackoff = 30 * time.Second
	stableRun  = time.Minute
)

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
func Start(ctx context.Context, dir string, opts ...Option) (*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve data folder %q: %w", dir, err)
	}
	s := &Server{dir: dir, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create ClickHouse folder %q: %w", dir, err)
	}
	if s.password, err = password(filepath.Join(dir, "password")); err != nil {
		return nil, err
	}
	if s.tcpPort, err = freePort(); err != nil {
		return nil, err
	}
	if s.httpPort, err = freePort(); err != nil {
		return nil, err
	}
	if err := s.Restart(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Addr returns the native protocol address, HOST:PORT.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tcpPort))
}

// User is the ClickHouse user motcua connects as.
const User = "default"

// Password returns the password of User: random, made at the first start
// and kept in the file "password" (0600) under the data folder, so that a
// restart, and the next run over the same folder, use the same one.
func (s *Server) Password() string { return s.password }

// password reads the password kept in path, or makes one and keeps it.
func password(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("cannot read the ClickHouse password: %w", err)
	}
	r := make([]byte, 24)
	if _, err := rand.Read(r); err != nil {
		return "", fmt.Errorf("cannot make a ClickHouse password: %w", err)
	}
	p := hex.EncodeToString(r)
	if err := writePrivate(path, []byte(p+"\n")); err != nil {
		return "", fmt.Errorf("cannot keep the ClickHouse password: %w", err)
	}
	return p, nil
}

// writePrivate writes a file that only its owner can read, whatever mode
// an earlier version of it had.
func writePrivate(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// PID returns the process id of the running server, 0 when none runs.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// HTTPAddr returns the HTTP interface's address, HOST:PORT.
func (s *Server) HTTPAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpPort))
}

// Restart starts a stopped server again on the same ports and data, and
// watches it again.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("cannot restart ClickHouse: it is running")
	}
	p, err := s.launch(ctx)
	if err != nil {
		return err
	}
	s.proc, s.quit = p, make(chan struct{})
	s.watcher.Add(1)
	go s.watch(p, s.quit)
	return nil
}

// watch starts the process again each time it exits, until quit is closed.
func (s *Server) watch(p *process, quit chan struct{}) {
	defer s.watcher.Done()
	wait := minBackoff
	for {
		select {
		case <-quit:
			return
		case <-p.done:
		}
		select {
		case <-quit: // Stop is stopping it
			return
		default:
		}
		if time.Since(p.started) >= stableRun {
			wait = minBackoff
		}
		s.log.Warn("ClickHouse exited unexpectedly; starting it again", "pid", p.cmd.Process.Pid,
			"status", p.cmd.ProcessState.String(), "ran", time.Since(p.started).Round(time.Second), "in", wait, "addr", s.Addr())
		for {
			select {
			case <-quit:
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, maxBackoff)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-quit:
					cancel()
				case <-ctx.Done():
				}
			}()
			np, err := s.launch(ctx)
			cancel()
			if err != nil {
				select {
				case <-quit:
					return
				default:
				}
				s.log.Warn("cannot start ClickHouse again; retrying", "err", err, "in", wait)
				continue
			}
			s.mu.Lock()
			select {
			case <-quit:
				s.mu.Unlock()
				np.kill()
				return
			default:
			}
			s.proc = np
			s.mu.Unlock()
			s.log.Info("ClickHouse is up again", "pid", np.cmd.Process.Pid, "addr", s.Addr())
			p = np
			break
		}
	}
}

// stopLeftover stops a ClickHouse still running over the folder: the child
// of an earlier motcua that was killed (kill -9 leaves it running, or
// shutting down, and holding the folder's lock, so that a new one cannot
// start). It asks it to stop, waits up to 30 s, then kills it.
func (s *Server) stopLeftover(ctx context.Context, conf string) error {
	pid := leftover(conf)
	if pid == 0 {
		return nil
	}
	s.log.Warn("a ClickHouse of an earlier run still holds the folder; stopping it", "pid", pid, "dir", s.dir)
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for leftover(conf) == pid {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(time.Hour)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// leftover returns the pid of a running ClickHouse started with the config
// file conf, or 0.
func leftover(conf string) int {
	want := []byte("--config-file=" + conf)
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, want) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(filepath.Dir(p), "stat")); err == nil && bytes.Contains(stat, []byte(") Z ")) {
			continue // a zombie waiting for its parent holds nothing
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
			return pid
		}
	}
	return 0
}

// launch writes the configuration, starts the binary and returns once it
// answers on its native port; on failure, nothing is left running.
func (s *Server) launch(ctx context.Context) (*process, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("cannot create ClickHouse folder: %w", err)
		}
	}
	conf := filepath.Join(s.dir, "config.xml")
	if err := s.stopLeftover(ctx, conf); err != nil {
		return nil, err
	}
	if err := writePrivate(conf, []byte(s.config())); err != nil {
		return nil, fmt.Errorf("cannot write ClickHouse config: %w", err)
	}
	sum := sha256.Sum256([]byte(s.password))
	if err := writePrivate(filepath.Join(s.dir, "users.xml"), []byte(fmt.Sprintf(usersXML, hex.EncodeToString(sum[:]), s.profile))); err != nil {
		return nil, fmt.Errorf("cannot write ClickHouse users: %w", err)
	}
	args := append(bin[1:], "--config-file="+conf)
	cmd := exec.Command(bin[0], args...)
	// ClickHouse needs none of motcua's settings, and its environment is
	// readable in /proc: leave the tokens and passwords out.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOTCUA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stderr, err := os.OpenFile(filepath.Join(s.dir, "log", "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot create ClickHouse log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		stderr.Close()
		return nil, fmt.Errorf("cannot start %q: %w", bin[0], err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), started: time.Now()}
	go func() { cmd.Wait(); stderr.Close(); close(p.done) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("cannot start ClickHouse: it exited early; see %s", filepath.Join(s.dir, "log"))
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("cannot start ClickHouse: no answer on %s after 60 s; see %s", s.Addr(), filepath.Join(s.dir, "log"))
		}
	}
}

// kill stops the process group, gently first, and waits for it to exit.
func (p *process) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Stop stops the server, and its restarts, and waits for it to exit.
func (s *Server) Stop() error {
	s.mu.Lock()
	if s.proc == nil {
		s.mu.Unlock()
		return nil
	}
	close(s.quit)
	s.mu.Unlock()
	s.watcher.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proc.kill()
	s.proc = nil
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
%[4]s</yandex>
`, s.dir, s.tcpPort, s.httpPort, s.extra)
}

const usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage>%[2]s</default></profiles>
  <users>
    <default>
      <password_sha256_hex>%[1]s</password_sha256_hex>
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
