package main

// The production shape (docker-compose.yml, the Dockerfile, deploy/) is
// checked here against motcua's own flags, environment and configuration
// loader: the development machines have no Docker engine to run it.

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/motcua/motcua/config"
)

// root is the repository's root, from this package's folder.
const root = "../.."

func TestProductionCompose(t *testing.T) {
	d := readDeploy(t)
	for _, p := range d.check(t) {
		t.Error(p)
	}
}

// TestProductionComposeCatches breaks a copy of the files one way at a time
// and expects the check to say so.
func TestProductionComposeCatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(d *deploy)
		want   string
	}{
		{"ClickHouse's latest image", func(d *deploy) { d.compose.Services["clickhouse"].Image = "clickhouse/clickhouse-server:latest" }, "not pinned"},
		{"ClickHouse's branch tag", func(d *deploy) { d.compose.Services["clickhouse"].Image = "clickhouse/clickhouse-server:26.8" }, "not pinned"},
		{"no volume for the data", func(d *deploy) { d.compose.Services["clickhouse"].Volumes = nil }, "/var/lib/clickhouse"},
		{"a health check on the wrong port", func(d *deploy) {
			d.compose.Services["clickhouse"].Healthcheck.Test = []string{"CMD", "wget", "-q", "http://127.0.0.1:9000/ping"}
		}, "/ping on port 8123"},
		{"a password written in the file", func(d *deploy) { d.compose.Services["clickhouse"].Environment["CLICKHOUSE_PASSWORD"] = "hunter22" }, "CLICKHOUSE_PASSWORD"},
		{"a Slack token written in the file", func(d *deploy) { d.compose.Services["motcua"].Environment["MOTCUA_SLACK_TOKEN"] = "xoxb-1-2-3" }, "MOTCUA_SLACK_TOKEN"},
		{"a Slack token written as a default", func(d *deploy) {
			d.compose.Services["motcua"].Environment["MOTCUA_SLACK_TOKEN"] = "${MOTCUA_SLACK_TOKEN:-xoxb-1-2-3}"
		}, "MOTCUA_SLACK_TOKEN"},
		{"a token on the command line", func(d *deploy) {
			d.compose.Services["motcua"].Command = []string{"serve", "--ingest-token", "portal:0123456789"}
		}, "--ingest-token"},
		{"an environment variable motcua does not read", func(d *deploy) { d.compose.Services["motcua"].Environment["MOTCUA_PORT"] = "8080" }, "MOTCUA_PORT"},
		{"a flag motcua does not take", func(d *deploy) { d.compose.Services["motcua"].Command = []string{"serve", "--port", "8080"} }, "--port"},
		{"a port that is not the one motcua listens on", func(d *deploy) {
			d.compose.Services["motcua"].Ports = []port{{HostIP: "127.0.0.1", Published: "8080", Target: "80"}}
		}, "publishes no port 8080"},
		{"motcua listening on loopback", func(d *deploy) { d.compose.Services["motcua"].Environment["MOTCUA_LISTEN"] = "127.0.0.1:8080" }, "loopback"},
		{"a listen flag over the environment", func(d *deploy) { d.compose.Services["motcua"].Command = []string{"serve", "--listen", "0.0.0.0:9999"} }, "publishes no port 9999"},
		{"motcua not waiting for ClickHouse", func(d *deploy) { d.compose.Services["motcua"].DependsOn["clickhouse"] = "service_started" }, "service_healthy"},
		{"motcua not built from the Dockerfile", func(d *deploy) { d.compose.Services["motcua"].Build = nil }, "Dockerfile"},
		{"a health check of a path motcua does not serve", func(d *deploy) {
			d.compose.Services["motcua"].Healthcheck.Test = []string{"CMD", "curl", "-fsS", "http://127.0.0.1:8080/health"}
		}, "/health"},
		{"a secret motcua reads but is not mounted", func(d *deploy) {
			d.compose.Services["motcua"].Secrets = slices.DeleteFunc(d.compose.Services["motcua"].Secrets, func(s secretRef) bool { return s.Source == "session_key" })
		}, "session_key"},
		{"a secret outside a file", func(d *deploy) { d.compose.Secrets["users"] = composeSecret{} }, "users"},
		{"ClickHouse and motcua on different passwords", func(d *deploy) {
			d.compose.Services["clickhouse"].Environment["CLICKHOUSE_PASSWORD_FILE"] = "/run/secrets/other"
		}, "CLICKHOUSE_PASSWORD_FILE"},
		{"a configuration key motcua does not know", func(d *deploy) { d.motcuaConfig += "listen: 0.0.0.0:8080\n" }, `unknown key "listen"`},
		{"Prometheus scraping the wrong port", func(d *deploy) { d.prometheus = strings.ReplaceAll(d.prometheus, "motcua:8080", "motcua:9090") }, `"motcua:8080"`},
		{"Prometheus scraping a service that is not there", func(d *deploy) {
			d.prometheus = strings.ReplaceAll(d.prometheus, `["motcua:8080"]`, `["motcua:8080", "motcua-alerts:8081"]`)
		}, "motcua-alerts"},
		{"an alerts process Prometheus does not scrape", func(d *deploy) {
			m := *d.compose.Services["motcua"]
			m.Command = []string{"alerts", "run", "--listen", "0.0.0.0:8081"}
			m.Healthcheck = &healthcheck{Test: []string{"CMD", "curl", "-fsS", "http://127.0.0.1:8081/healthz"}}
			m.Ports = nil
			d.compose.Services["alerts"] = &m
		}, `"alerts:8081"`},
		{"Prometheus not pinned", func(d *deploy) { d.compose.Services["prometheus"].Image = "prom/prometheus" }, "not pinned"},
		{"an image that runs as root", func(d *deploy) { d.dockerfile = strings.ReplaceAll(d.dockerfile, "USER 10001:10001", "USER root") }, "root"},
		{"one stage", func(d *deploy) { d.dockerfile = d.dockerfile[strings.Index(d.dockerfile, "FROM debian"):] }, "multi-stage"},
		{"cgo", func(d *deploy) { d.dockerfile = strings.ReplaceAll(d.dockerfile, "CGO_ENABLED=0 ", "") }, "CGO_ENABLED=0"},
		{"a secret copied into the image", func(d *deploy) {
			d.dockerfile += "COPY deploy/secrets/session_key /etc/motcua/session_key\n"
		}, "deploy/secrets"},
		{"a token baked in the image", func(d *deploy) { d.dockerfile += "ENV MOTCUA_INGEST_TOKENS=portal:0123456789\n" }, "MOTCUA_INGEST_TOKENS"},
		{"secrets sent to the build", func(d *deploy) { d.dockerignore = strings.ReplaceAll(d.dockerignore, "deploy/secrets/", "") }, ".dockerignore"},
		{"a health check with a tool the image lacks", func(d *deploy) {
			d.dockerfile = strings.ReplaceAll(d.dockerfile, " curl ", " ")
		}, "curl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := readDeploy(t)
			tc.change(d)
			problems := d.check(t)
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					t.Log(p)
					return
				}
			}
			t.Errorf("want a problem naming %q, got %q", tc.want, problems)
		})
	}
}

// TestProductionComposeAllows changes the files in ways that are fine and
// expects no problem.
func TestProductionComposeAllows(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(d *deploy)
	}{
		{"a Slack token from the environment", func(d *deploy) {
			d.compose.Services["motcua"].Environment["MOTCUA_SLACK_TOKEN"] = "${MOTCUA_SLACK_TOKEN:-}"
		}},
		{"the alerts in a process of their own, scraped", func(d *deploy) {
			m := *d.compose.Services["motcua"]
			m.Command = []string{"alerts", "run", "--listen", "0.0.0.0:8081"}
			m.Healthcheck = &healthcheck{Test: []string{"CMD", "curl", "-fsS", "http://127.0.0.1:8081/healthz"}}
			m.Ports = nil
			d.compose.Services["alerts"] = &m
			d.prometheus = strings.ReplaceAll(d.prometheus, `["motcua:8080"]`, `["motcua:8080", "alerts:8081"]`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := readDeploy(t)
			tc.change(d)
			for _, p := range d.check(t) {
				t.Error(p)
			}
		})
	}
}

// deploy is the production shape as read from the repository.
type deploy struct {
	compose      composeFile
	dockerfile   string
	dockerignore string
	// The configuration file that service motcua mounts at MOTCUA_CONFIG,
	// and its path in the repository.
	motcuaConfig, motcuaConfigPath string
	prometheus                     string // the Prometheus configuration that compose mounts
}

func readDeploy(t *testing.T) *deploy {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	d := &deploy{dockerfile: read("Dockerfile"), dockerignore: read(".dockerignore")}
	if err := yaml.Unmarshal([]byte(read("docker-compose.yml")), &d.compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	d.motcuaConfigPath = d.mountedFile(t, "motcua", "MOTCUA_CONFIG")
	d.motcuaConfig = read(d.motcuaConfigPath)
	d.prometheus = read(d.mountedFile(t, "prometheus", "/etc/prometheus/prometheus.yml"))
	return d
}

// mountedFile is the repository file that service svc mounts at target,
// or at the path that its environment variable target names.
func (d *deploy) mountedFile(t *testing.T, svc, target string) string {
	t.Helper()
	s := d.compose.Services[svc]
	if s == nil {
		t.Fatalf("docker-compose.yml: no service %q", svc)
	}
	if v, ok := s.Environment[target]; ok {
		target = v
	}
	for _, m := range s.Volumes {
		if m.Target == target && strings.HasPrefix(m.Source, ".") {
			return m.Source
		}
	}
	t.Fatalf("docker-compose.yml: service %q mounts no file of the repository at %q", svc, target)
	return ""
}

// check returns what is wrong with the files, each problem a sentence.
func (d *deploy) check(t *testing.T) []string {
	t.Helper()
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c := d.compose
	chName, ch := "", (*service)(nil)
	for name, s := range c.Services {
		if strings.HasPrefix(s.Image, "clickhouse/clickhouse-server") {
			chName, ch = name, s
		}
	}
	if ch == nil {
		return []string{"docker-compose.yml: no service runs clickhouse/clickhouse-server"}
	}
	d.checkClickHouse(chName, ch, bad)
	d.checkSecrets(bad)
	served := map[string]string{} // "service:port" of every motcua process's /metrics
	motcuas := 0
	for _, name := range sortedKeys(c.Services) {
		s := c.Services[name]
		if s.Build == nil && !strings.HasPrefix(s.Image, "motcua") {
			continue
		}
		motcuas++
		if addr := d.checkMotcua(t, name, s, chName, bad); addr != "" {
			served[addr] = name
		}
	}
	if motcuas == 0 {
		bad("docker-compose.yml: no service runs motcua")
	}
	d.checkPrometheus(served, bad)
	d.checkDockerfile(bad)
	return problems
}

var (
	pinnedClickHouse = regexp.MustCompile(`^clickhouse/clickhouse-server:\d+\.\d+\.\d+\.\d+(-alpine)?$`)
	pinnedPrometheus = regexp.MustCompile(`^prom/prometheus:v\d+\.\d+\.\d+$`)
	secretName       = regexp.MustCompile(`(?i)(password|token|secret|key)`)
	// A value of the environment where compose takes it: ${VAR}, ${VAR:-}
	// or ${VAR:?message}, never with a default written here.
	envReference  = regexp.MustCompile(`^(\$\{\w+(:?-|:?\?[^}]*)?\})?$`)
	interpolation = regexp.MustCompile(`\$\{(\w+)(:?-([^}]*))?\}`)
	secretMount   = regexp.MustCompile(`/run/secrets/[\w.-]+`)
)

func (d *deploy) checkClickHouse(name string, s *service, bad func(string, ...any)) {
	if !pinnedClickHouse.MatchString(s.Image) {
		bad("service %s: image %q is not pinned to a release (clickhouse/clickhouse-server:X.Y.Z.W)", name, s.Image)
	}
	vol := ""
	for _, m := range s.Volumes {
		if path.Clean(m.Target) == "/var/lib/clickhouse" {
			vol = m.Source
		}
	}
	if _, named := d.compose.Volumes[vol]; vol == "" || !named {
		bad("service %s: /var/lib/clickhouse is not on a named volume", name)
	}
	if !s.Healthcheck.calls("127.0.0.1:8123/ping") && !s.Healthcheck.calls("localhost:8123/ping") {
		bad("service %s: the health check does not ask /ping on port 8123: %q", name, s.Healthcheck.command())
	}
	for _, p := range s.Ports {
		if ip := net.ParseIP(p.HostIP); ip == nil || !ip.IsLoopback() {
			bad("service %s: port %s is published beyond loopback", name, p.Target)
		}
	}
	// warehouse.Open logs in as user default: no flag names another.
	if u := s.Environment["CLICKHOUSE_USER"]; u != "" && u != "default" {
		bad("service %s: CLICKHOUSE_USER %q: motcua logs in as default", name, u)
	}
	if f := s.Environment["CLICKHOUSE_PASSWORD_FILE"]; f == "" {
		bad("service %s: no CLICKHOUSE_PASSWORD_FILE: the user default would have no password", name)
	} else if !slices.ContainsFunc(s.Secrets, func(r secretRef) bool { return r.Target == f }) {
		bad("service %s: CLICKHOUSE_PASSWORD_FILE %s is no secret of the service", name, f)
	}
	if tz := s.Environment["TZ"]; tz != "Asia/Ho_Chi_Minh" {
		bad("service %s: TZ %q: want Asia/Ho_Chi_Minh, the zone of the ClickHouse that tests run against (warehouse/chlocal)", name, tz)
	}
}

// checkSecrets checks that no service writes a secret in the file: a
// variable or flag that holds one is either empty or a ${VAR} of the
// environment, and every compose secret is a file the build never sees.
func (d *deploy) checkSecrets(bad func(string, ...any)) {
	for _, name := range sortedKeys(d.compose.Services) {
		s := d.compose.Services[name]
		for k, v := range s.Environment {
			if secretName.MatchString(k) && !strings.HasSuffix(k, "_FILE") && !envReference.MatchString(v) {
				bad("service %s: %s is written in the file: take it from a secret file or ${%s}", name, k, k)
			}
		}
		for _, a := range s.Command {
			f, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if strings.HasPrefix(a, "-") && secretName.MatchString(f) && !strings.HasSuffix(f, "-file") {
				bad("service %s: %s on the command line shows the secret to ps: use its file", name, a)
			}
		}
	}
	for _, name := range sortedKeys(d.compose.Secrets) {
		sec := d.compose.Secrets[name]
		switch {
		case sec.Environment != "":
		case sec.File == "":
			bad("secret %s: neither a file nor an environment variable", name)
		case !d.ignored(sec.File):
			bad("secret %s: %s is not in .dockerignore, so the build context holds it", name, sec.File)
		}
	}
}

// ignored reports whether .dockerignore keeps file out of the build context.
func (d *deploy) ignored(file string) bool {
	file = path.Clean(file)
	for _, l := range strings.Split(d.dockerignore, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!") {
			continue
		}
		p := path.Clean(strings.TrimPrefix(l, "/"))
		if ok, _ := path.Match(p, file); ok || strings.HasPrefix(file, p+"/") {
			return true
		}
	}
	return false
}

// checkMotcua checks a service that runs motcua and returns the
// "service:port" of its /metrics, "" for none.
func (d *deploy) checkMotcua(t *testing.T, name string, s *service, chName string, bad func(string, ...any)) string {
	if s.Build == nil || path.Clean(s.Build.Context) != "." || s.Build.Dockerfile != "Dockerfile" && s.Build.Dockerfile != "" {
		bad("service %s: not built from the Dockerfile at the root", name)
	}
	if s.DependsOn[chName] != "service_healthy" {
		bad("service %s: does not wait for %s to be service_healthy", name, chName)
	}
	known := motcuaEnvironment(t)
	for k := range s.Environment {
		if strings.HasPrefix(k, "MOTCUA_") && !known[k] {
			bad("service %s: motcua reads no environment variable %s", name, k)
		}
	}
	args := s.Command
	sub := 1 // words of the subcommand
	if len(args) >= 2 && args[0] == "alerts" {
		sub = 2
	}
	if len(args) < sub {
		bad("service %s: no motcua command", name)
		return ""
	}
	flags := commandFlags(t, args[:sub]...)
	given := map[string]string{}
	for i := sub; i < len(args); i++ {
		f, v, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		if _, ok := flags[f]; !ok {
			bad("service %s: motcua %s takes no flag %s", name, strings.Join(args[:sub], " "), args[i])
			continue
		}
		if !hasValue && i+1 < len(args) {
			i++
			v = args[i]
		}
		given[f] = v
	}
	cfg, ok := d.loadConfig(t, name, s, bad)
	if !ok {
		return ""
	}
	if host, port, err := net.SplitHostPort(cfg.ClickHouse.Addr); err != nil || host != chName || port != "9000" {
		bad("service %s: ClickHouse at %q: want %s:9000, its native port", name, cfg.ClickHouse.Addr, chName)
	}
	chEnv := d.compose.Services[chName].Environment
	if db := chEnv["CLICKHOUSE_DB"]; db != "" && db != cfg.ClickHouse.Database {
		bad("service %s: database %q, but %s creates CLICKHOUSE_DB %q", name, cfg.ClickHouse.Database, chName, db)
	}
	if want := secretPath(cfg.ClickHouse.PasswordFile); chEnv["CLICKHOUSE_PASSWORD_FILE"] != want {
		bad("service %s: motcua's ClickHouse password is %q, %s's CLICKHOUSE_PASSWORD_FILE %q", name, want, chName, chEnv["CLICKHOUSE_PASSWORD_FILE"])
	}
	// Where its HTTP (health and /metrics) listens, and the paths served.
	var listen string
	var routes []string
	switch strings.Join(args[:sub], " ") {
	case "serve":
		listen = cfg.Serve.Listen
		if v, ok := given["listen"]; ok {
			listen = v
		}
		routes = goStrings(t, filepath.Join(root, "server"))
		if !publishes(s.Ports, listen) {
			bad("service %s: publishes no port %s, where motcua listens (%s)", name, portOf(listen), listen)
		}
	case "alerts run":
		listen = flags["listen"]
		if v, ok := given["listen"]; ok {
			listen = v
		}
		routes = goStrings(t, ".")
	default:
		return ""
	}
	host, p, err := net.SplitHostPort(listen)
	if err != nil {
		bad("service %s: listen address %q: %v", name, listen, err)
		return ""
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		bad("service %s: listens on loopback (%s), out of reach of the published port and of Prometheus", name, listen)
	}
	healthy := false
	for _, route := range []string{"/healthz", "/readyz"} {
		if slices.Contains(routes, route) && (s.Healthcheck.calls("127.0.0.1:"+p+route) || s.Healthcheck.calls("localhost:"+p+route)) {
			healthy = true
		}
	}
	if !healthy {
		bad("service %s: the health check %q asks neither /healthz nor /readyz of port %s", name, s.Healthcheck.command(), p)
	}
	if cmd := s.Healthcheck.command(); len(cmd) > 0 && !d.installs(cmd[0]) {
		bad("service %s: the health check runs %s, which the Dockerfile's final stage does not install", name, cmd[0])
	}
	return name + ":" + p
}

// loadConfig loads the configuration that service s runs with, through
// config.Load: its environment and mounted file, with each /run/secrets/NAME
// it names checked to be a secret of the service and given a stand-in.
func (d *deploy) loadConfig(t *testing.T, name string, s *service, bad func(string, ...any)) (config.Config, bool) {
	dir := t.TempDir()
	mounted := map[string]bool{}
	for _, r := range s.Secrets {
		mounted[r.Target] = true
		if _, ok := d.compose.Secrets[r.Source]; !ok {
			bad("service %s: secret %s is not declared", name, r.Source)
		}
		// One stand-in fits every secret motcua reads: a SOURCE:TOKEN line,
		// 32 bytes or more of key, a password, a bot token.
		os.WriteFile(filepath.Join(dir, path.Base(r.Target)), []byte("stand-in:0123456789abcdef0123456789abcdef\n"), 0o600)
	}
	named := map[string]bool{}
	remap := func(v string) string {
		v = interpolation.ReplaceAllString(v, "$3")
		for _, m := range secretMount.FindAllString(v, -1) {
			named[m] = true
		}
		return strings.ReplaceAll(v, "/run/secrets/", dir+"/")
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		env[k] = remap(v)
	}
	file := ""
	if at := env["MOTCUA_CONFIG"]; at != "" {
		if !slices.Contains(s.Volumes, mount{Source: d.motcuaConfigPath, Target: at}) {
			bad("service %s: MOTCUA_CONFIG %s is not %s mounted", name, at, d.motcuaConfigPath)
		}
		file = filepath.Join(dir, "config.yml")
		os.WriteFile(file, []byte(remap(d.motcuaConfig)), 0o600)
		delete(env, "MOTCUA_CONFIG")
	}
	missing := false
	for _, target := range sortedKeys(named) {
		if !mounted[target] {
			bad("service %s: motcua reads %s, which is no secret of the service", name, target)
			missing = true
		}
	}
	for _, target := range sortedKeys(mounted) {
		if !named[target] {
			bad("service %s: secret %s is mounted but motcua is not told to read it", name, target)
		}
	}
	if missing {
		return config.Config{}, false
	}
	cfg, err := config.Load(file, func(k string) string { return env[k] })
	if err != nil {
		bad("service %s: motcua would not start with its environment and motcua.yml: %v", name, err)
		return cfg, false
	}
	return cfg, true
}

// secretPath is the /run/secrets/NAME that stood for path in loadConfig.
func secretPath(p string) string {
	if p == "" {
		return ""
	}
	return "/run/secrets/" + filepath.Base(p)
}

func (d *deploy) checkPrometheus(served map[string]string, bad func(string, ...any)) {
	var name string
	for n, s := range d.compose.Services {
		if strings.HasPrefix(s.Image, "prom/prometheus") {
			name = n
			if !pinnedPrometheus.MatchString(s.Image) {
				bad("service %s: image %q is not pinned to a release (prom/prometheus:vX.Y.Z)", n, s.Image)
			}
		}
	}
	if name == "" {
		bad("docker-compose.yml: no service runs prom/prometheus")
		return
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(d.prometheus), &cfg); err != nil {
		bad("prometheus.yml: %v", err)
		return
	}
	scraped := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, _, _ := net.SplitHostPort(target)
				s, isService := d.compose.Services[host]
				switch {
				case !isService:
					bad("prometheus.yml: job %s scrapes %q, which names no compose service", sc.JobName, target)
				case served[target] != "" && sc.MetricsPath != "" && sc.MetricsPath != "/metrics":
					bad("prometheus.yml: job %s scrapes %s at %s: motcua serves /metrics", sc.JobName, target, sc.MetricsPath)
				case served[target] == "" && (s.Build != nil || strings.HasPrefix(s.Image, "motcua")):
					bad("prometheus.yml: job %s scrapes %q, where no motcua process serves /metrics", sc.JobName, target)
				}
				scraped[target] = true
			}
		}
	}
	for _, target := range sortedKeys(served) {
		if !scraped[target] {
			bad("prometheus.yml: no job scrapes %q, the /metrics of service %s", target, served[target])
		}
	}
}

func (d *deploy) checkDockerfile(bad func(string, ...any)) {
	stages := dockerStages(d.dockerfile)
	if len(stages) < 2 {
		bad("Dockerfile: not multi-stage: build in one stage, run in another")
		return
	}
	build, final := strings.Join(stages[:len(stages)-1], "\n"), stages[len(stages)-1]
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "./cmd/motcua") {
		bad("Dockerfile: the build stage does not build ./cmd/motcua with CGO_ENABLED=0")
	}
	user, from := "", ""
	for _, ins := range dockerInstructions(final) {
		switch ins[0] {
		case "FROM":
			from = ins[1]
		case "USER":
			user = ins[1]
		case "COPY", "ADD":
			if !strings.HasPrefix(ins[1], "--from=") {
				bad("Dockerfile: the final stage copies %q from the build context: only the binary, from the build stage", strings.Join(ins[1:], " "))
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "root" || u == "0" || user == "" && !strings.HasSuffix(from, ":nonroot") {
		bad("Dockerfile: the final stage runs as root: set USER to an unprivileged user")
	}
	for _, ins := range dockerInstructions(d.dockerfile) {
		switch ins[0] {
		case "COPY", "ADD":
			for _, src := range ins[1 : len(ins)-1] {
				if !strings.HasPrefix(src, "--") && (strings.Contains(src, "secrets") || secretName.MatchString(src) || strings.HasSuffix(src, ".env")) {
					bad("Dockerfile: %s %s copies a secret into the image (deploy/secrets holds them)", ins[0], src)
				}
			}
		case "ENV", "ARG":
			for _, kv := range ins[1:] {
				if k, _, _ := strings.Cut(kv, "="); secretName.MatchString(k) {
					bad("Dockerfile: %s %s bakes a secret into the image", ins[0], k)
				}
			}
		case "ENTRYPOINT":
			if !strings.Contains(ins[1], "motcua") {
				bad("Dockerfile: the entrypoint is not motcua, so compose's commands are not motcua's")
			}
		}
	}
}

// dockerInstructions splits a Dockerfile into instructions, each the
// instruction's name and its words, line continuations joined.
func dockerInstructions(text string) [][]string {
	var out [][]string
	text = strings.ReplaceAll(text, "\\\n", " ")
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		f[0] = strings.ToUpper(f[0])
		if len(f) == 1 {
			f = append(f, "")
		}
		out = append(out, f)
	}
	return out
}

// dockerStages splits a Dockerfile at each FROM.
func dockerStages(text string) []string {
	var out []string
	for _, ins := range dockerInstructions(text) {
		if ins[0] == "FROM" {
			out = append(out, "")
		}
		if len(out) > 0 {
			out[len(out)-1] += strings.Join(ins, " ") + "\n"
		}
	}
	return out
}

// installs reports whether the final stage of the Dockerfile installs or
// copies in the program prog.
func (d *deploy) installs(prog string) bool {
	stages := dockerStages(d.dockerfile)
	if len(stages) == 0 {
		return false
	}
	for _, ins := range dockerInstructions(stages[len(stages)-1]) {
		if (ins[0] == "RUN" || ins[0] == "COPY") && slices.ContainsFunc(ins[1:], func(w string) bool { return path.Base(w) == prog }) {
			return true
		}
	}
	return false
}

// motcuaEnvironment returns the environment variables that motcua reads:
// those config.Load asks for, and those this package reads itself.
func motcuaEnvironment(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	config.Load("", func(k string) string { names[k] = true; return "" })
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Getenv" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				name, _ := strconv.Unquote(lit.Value)
				names[name] = true
			}
			return true
		})
	}
	if !names["MOTCUA_CLICKHOUSE"] || !names["MOTCUA_CONFIG"] {
		t.Fatalf("the environment motcua reads was not found: %v", sortedKeys(names))
	}
	return names
}

// goStrings returns the string literals of the Go files (tests left out)
// in dir.
func goStrings(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

// commandFlags returns the flags of a motcua command and their defaults,
// as the command's -h prints them.
func commandFlags(t *testing.T, command ...string) map[string]string {
	t.Helper()
	t.Setenv("MOTCUA_CONFIG", "")
	var out, errb bytes.Buffer
	if code := run(context.Background(), append(slices.Clone(command), "-h"), &out, &errb); code != 2 {
		t.Fatalf("motcua %s -h: exit %d, %s", strings.Join(command, " "), code, errb.String())
	}
	flags := map[string]string{}
	last := ""
	flagLine := regexp.MustCompile(`^  -(\S+)`)
	dflt := regexp.MustCompile(`\(default "?([^")]*)"?\)`)
	for _, l := range strings.Split(errb.String(), "\n") {
		if m := flagLine.FindStringSubmatch(l); m != nil {
			last = m[1]
			flags[last] = ""
		}
		if m := dflt.FindStringSubmatch(l); m != nil && last != "" {
			flags[last] = m[1]
		}
	}
	if len(flags) == 0 {
		t.Fatalf("motcua %s -h printed no flags: %s", strings.Join(command, " "), errb.String())
	}
	return flags
}

func publishes(ports []port, listen string) bool {
	for _, p := range ports {
		if p.Target == portOf(listen) {
			return true
		}
	}
	return false
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
