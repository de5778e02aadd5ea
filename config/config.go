// Package config reads motcua's configuration file: YAML, read strictly (an
// unknown key or a value of the wrong type is refused with its line), with
// every default in one place (Default), then the environment over the file,
// then the command line's flags over both (cmd/motcua). Secrets (ingest
// tokens, the ClickHouse password, the session key) come from files or the
// environment, never from the file's text or a flag, and are never printed.
package config

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration of motcua.
type Config struct {
	ClickHouse ClickHouse `yaml:"clickhouse"`
	Serve      Serve      `yaml:"serve"`
	Ingest     Ingest     `yaml:"ingest"`
	Figures    Figures    `yaml:"figures"`
	Alerts     Alerts     `yaml:"alerts"`
	Reports    Reports    `yaml:"reports"`
}

// Reports configures the scheduled delivery of the reports, through the
// alerts' Slack token or webhook.
type Reports struct {
	// WeeklyAt (HH:MM) is the time on Monday from which each unit head gets
	// the weekly report of the week before.
	WeeklyAt string `yaml:"weekly_at"`
	// Form06To is the Slack member id or channel of leadership, who get
	// form 06 of each ended reporting month; none when empty.
	Form06To string `yaml:"form06_to"`
}

// ClickHouse says where the warehouse is, or where motcua keeps the server
// it starts, and bounds the queries of readers.
type ClickHouse struct {
	// Addr is the native-protocol HOST:PORT; empty starts a server of
	// motcua's own under Data. Env MOTCUA_CLICKHOUSE.
	Addr string `yaml:"addr"`
	// Database is the database name. Env MOTCUA_DATABASE.
	Database string `yaml:"database"`
	// User is the ClickHouse user motcua logs in as; empty is "default".
	// Env MOTCUA_CLICKHOUSE_USER.
	User string `yaml:"user"`
	// Cluster, when set, spreads motcua's tables over the shards of that
	// ClickHouse cluster (its remote_servers; see README, Production).
	// Needs Addr. Env MOTCUA_CLICKHOUSE_CLUSTER.
	Cluster string `yaml:"cluster"`
	// Data is the folder of the server motcua starts. Env MOTCUA_DATA.
	Data string `yaml:"data"`
	// PasswordFile holds the password of Addr's user default, on its first
	// line. Env MOTCUA_CLICKHOUSE_PASSWORD gives the password itself.
	PasswordFile string `yaml:"password_file"`
	// Password is read from PasswordFile or the environment.
	Password Secret `yaml:"-"`
	// SummaryTimeout stops a summary query that runs longer (503).
	SummaryTimeout Duration `yaml:"summary_timeout"`
	// SummaryMaxMemory stops a summary query that needs more memory (400).
	SummaryMaxMemory ByteSize `yaml:"summary_max_memory"`
}

// Serve configures the HTTP service.
type Serve struct {
	// Listen is the HOST:PORT to serve on. Env MOTCUA_LISTEN.
	Listen string `yaml:"listen"`
	// Catalog is a catalogue folder loaded on start; empty keeps the stored
	// one (or loads the shipped one into an empty database).
	Catalog string `yaml:"catalog"`
	// MaxConns caps the open HTTP connections.
	MaxConns int `yaml:"max_conns"`
	// ReadTimeout bounds the reading of a whole request, body included.
	ReadTimeout Duration `yaml:"read_timeout"`
	// MemoryLimit is the soft limit of the Go heap (ignored when GOMEMLIMIT
	// is set): past it the garbage collector works harder.
	MemoryLimit ByteSize `yaml:"memory_limit"`
	// Users is the users file (login,role,unit,password_bcrypt) of the
	// readers who may log in. Env MOTCUA_USERS.
	Users string `yaml:"users"`
	// SessionKeyFile holds the key that signs session cookies: 32 bytes or
	// more, raw or in hex. Env MOTCUA_SESSION_KEY_FILE. Without it a random
	// key is used, and sessions end when the process does.
	SessionKeyFile string `yaml:"session_key_file"`
	// SessionKey is read from SessionKeyFile.
	SessionKey Secret `yaml:"-"`
}

// Ingest configures POST /api/v1/events.
type Ingest struct {
	// TokensFile lists the sources that may post, a SOURCE:TOKEN a line
	// (# starts a comment). Env MOTCUA_INGEST_TOKENS=SOURCE:TOKEN,... adds to it.
	TokensFile string `yaml:"tokens_file"`
	// Tokens maps each token to its source, read from TokensFile and the
	// environment.
	Tokens Tokens `yaml:"-"`
	// MaxBody caps a request body as sent.
	MaxBody ByteSize `yaml:"max_body"`
	// MaxEvents caps the events of one request.
	MaxEvents int `yaml:"max_events"`
	// MaxRequests caps the ingest requests under way at once.
	MaxRequests int `yaml:"max_requests"`
	// InsertTimeout bounds one insert into ClickHouse.
	InsertTimeout Duration `yaml:"insert_timeout"`
}

// Figures configures the refresher of the dossier figures.
type Figures struct {
	// CatchUpEvery is how often the figures catch up with every stored event.
	CatchUpEvery Duration `yaml:"catch_up_every"`
	// Fold: this process folds the figures (the default). Of several
	// processes on one database or cluster exactly one folds; set false on
	// the others, which hand it the dossiers they store.
	Fold bool `yaml:"fold"`
}

// Alerts configures the deadline alerts, which run (in serve, or alone with
// motcua alerts run) when a Slack token or a webhook URL is set.
type Alerts struct {
	// SlackTokenFile holds the bot token (xoxb-...) on its first line. Env
	// MOTCUA_SLACK_TOKEN gives the token itself.
	SlackTokenFile string `yaml:"slack_token_file"`
	// SlackToken is read from SlackTokenFile or the environment.
	SlackToken Secret `yaml:"-"`
	// SlackAPIURL is Slack's Web API, or a Slack-compatible gateway's.
	SlackAPIURL string `yaml:"slack_api_url"`
	// WebhookURL receives every message as JSON too (or alone, without a
	// Slack token).
	WebhookURL string `yaml:"webhook_url"`
	// PublicURL is where readers reach the pages, for the messages' links.
	PublicURL string `yaml:"public_url"`
	// Every is the time between passes.
	Every Duration `yaml:"every"`
	// RepeatAt (HH:MM) is the time after which a working day's first pass
	// names the overdue dossiers again.
	RepeatAt string `yaml:"repeat_at"`
	// EscalateAfter is how many working days overdue a dossier also goes
	// to EscalateTo (a Slack member id or channel; none when empty).
	EscalateAfter float64 `yaml:"escalate_after"`
	EscalateTo    string  `yaml:"escalate_to"`
}

// Enabled reports whether the alerts have somewhere to send.
func (a Alerts) Enabled() bool { return a.SlackToken.Value() != "" || a.WebhookURL != "" }

// SetSlackToken sets the Slack token itself, from where it was given.
func (c *Config) SetSlackToken(token, from string) error {
	if strings.TrimSpace(token) == "" {
		return errors.New("the Slack token is empty")
	}
	c.Alerts.SlackToken = Secret{value: strings.TrimSpace(token), from: from}
	return nil
}

// SetSlackTokenFile reads the Slack token from path, in place of the
// configured file or environment.
func (c *Config) SetSlackTokenFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the Slack token: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	c.Alerts.SlackTokenFile = path
	c.Alerts.SlackToken = Secret{value: strings.TrimSpace(first), from: "file " + path}
	return nil
}

// Default returns the configuration used where neither the file, the
// environment nor a flag says otherwise.
func Default() Config {
	return Config{
		ClickHouse: ClickHouse{Database: "motcua", Data: "var", SummaryTimeout: Duration(30 * time.Second), SummaryMaxMemory: 4 << 30},
		Serve:      Serve{Listen: "127.0.0.1:8080", MaxConns: 10_000, ReadTimeout: Duration(5 * time.Minute), MemoryLimit: 1 << 30},
		Ingest: Ingest{Tokens: Tokens{}, MaxBody: 32 << 20, MaxEvents: 100_000, MaxRequests: 16,
			InsertTimeout: Duration(30 * time.Second)},
		Figures: Figures{CatchUpEvery: Duration(30 * time.Second), Fold: true},
		Alerts:  Alerts{SlackAPIURL: "https://slack.com/api/", Every: Duration(5 * time.Minute), RepeatAt: "07:30", EscalateAfter: 3},
		Reports: Reports{WeeklyAt: "07:30"},
	}
}

// Load returns Default overlaid with the file at path (none when path is
// empty) and then with the environment that getenv reads, checked whole.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("cannot read configuration file %q: %w", path, err)
		}
		if err := decode(b, &c); err != nil {
			return c, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := c.fromEnv(getenv); err != nil {
		return c, err
	}
	if err := c.readSecrets(); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// decode reads YAML into c strictly: every key must be one of Config's.
func decode(b []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return readable(err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return errors.New("cannot read more than one YAML document: remove the second '---'")
	}
	return nil
}

var (
	unknownKey = regexp.MustCompile(`line (\d+): field (\S+) not found in type config\.(\w+)`)
	wrongType  = regexp.MustCompile("line (\\d+): cannot unmarshal !!(\\w+) `(.*)` into (\\S+)")
)

// readable rewords yaml's errors: the line, the key and what was wrong.
func readable(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("cannot read YAML: %w", err)
	}
	var out []string
	for _, e := range te.Errors {
		if m := unknownKey.FindStringSubmatch(e); m != nil {
			out = append(out, fmt.Sprintf("line %s: unknown key %q in %s: see the README for the keys", m[1], m[2], section(m[3])))
		} else if m := wrongType.FindStringSubmatch(e); m != nil {
			out = append(out, fmt.Sprintf("line %s: %q is not %s", m[1], m[3], typeName(m[4])))
		} else {
			out = append(out, e)
		}
	}
	return errors.New(strings.Join(out, "; "))
}

func section(goType string) string {
	switch goType {
	case "Config":
		return "the top level"
	case "ClickHouse":
		return "clickhouse"
	}
	return strings.ToLower(goType)
}

func typeName(goType string) string {
	switch goType {
	case "int", "int64", "uint64":
		return "a whole number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return "a " + strings.TrimPrefix(goType, "config.")
}

// fromEnv overlays the environment variables of the configuration.
func (c *Config) fromEnv(getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	for name, dst := range map[string]*string{
		"MOTCUA_CLICKHOUSE": &c.ClickHouse.Addr, "MOTCUA_DATABASE": &c.ClickHouse.Database,
		"MOTCUA_CLICKHOUSE_USER": &c.ClickHouse.User, "MOTCUA_CLICKHOUSE_CLUSTER": &c.ClickHouse.Cluster,
		"MOTCUA_DATA": &c.ClickHouse.Data, "MOTCUA_LISTEN": &c.Serve.Listen,
		"MOTCUA_USERS": &c.Serve.Users, "MOTCUA_SESSION_KEY_FILE": &c.Serve.SessionKeyFile,
	} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	if v := getenv("MOTCUA_INGEST_TOKEN_FILE"); v != "" {
		c.Ingest.TokensFile = v
	}
	if v := getenv("MOTCUA_SLACK_TOKEN"); v != "" {
		c.Alerts.SlackToken = Secret{value: v, from: "env MOTCUA_SLACK_TOKEN"}
	}
	if v := getenv("MOTCUA_CLICKHOUSE_PASSWORD"); v != "" {
		c.ClickHouse.Password = Secret{value: v, from: "env MOTCUA_CLICKHOUSE_PASSWORD"}
	}
	if c.Ingest.Tokens == nil {
		c.Ingest.Tokens = Tokens{}
	}
	if v := getenv("MOTCUA_INGEST_TOKENS"); v != "" {
		if err := c.Ingest.Tokens.Set(v); err != nil {
			return fmt.Errorf("MOTCUA_INGEST_TOKENS: %w", err)
		}
	}
	return nil
}

// SetPasswordFile reads the ClickHouse password from path, in place of the
// configured file or environment.
func (c *Config) SetPasswordFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the ClickHouse password: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	c.ClickHouse.PasswordFile = path
	c.ClickHouse.Password = Secret{value: strings.TrimSpace(first), from: "file " + path}
	return nil
}

// SetTokensFile makes path the file of ingest tokens in place of the
// configured one: the tokens are those of the file and of env
// MOTCUA_INGEST_TOKENS.
func (c *Config) SetTokensFile(path string, getenv func(string) string) error {
	c.Ingest.TokensFile, c.Ingest.Tokens = path, Tokens{}
	if v := getenv("MOTCUA_INGEST_TOKENS"); v != "" {
		if err := c.Ingest.Tokens.Set(v); err != nil {
			return fmt.Errorf("MOTCUA_INGEST_TOKENS: %w", err)
		}
	}
	if err := c.Ingest.Tokens.ReadFile(path); err != nil {
		return fmt.Errorf("--ingest-token-file: %w", err)
	}
	return nil
}

// readSecrets reads the files that hold secrets.
func (c *Config) readSecrets() error {
	if f := c.ClickHouse.PasswordFile; f != "" && c.ClickHouse.Password.value == "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("clickhouse.password_file: cannot read the password: %w", err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		c.ClickHouse.Password = Secret{value: strings.TrimSpace(first), from: "file " + f}
	}
	if f := c.Ingest.TokensFile; f != "" {
		if err := c.Ingest.Tokens.ReadFile(f); err != nil {
			return fmt.Errorf("ingest.tokens_file: %w", err)
		}
	}
	if f := c.Alerts.SlackTokenFile; f != "" && c.Alerts.SlackToken.value == "" {
		if err := c.SetSlackTokenFile(f); err != nil {
			return fmt.Errorf("alerts.slack_token_file: %w", err)
		}
	}
	if f := c.Serve.SessionKeyFile; f != "" {
		if err := c.SetSessionKeyFile(f); err != nil {
			return fmt.Errorf("serve.session_key_file: %w", err)
		}
	}
	return nil
}

// MinSessionKey is the length of the shortest session key, in bytes.
const MinSessionKey = 32

// SetSessionKeyFile reads the session key from path, in place of the
// configured file: 32 bytes or more, or their hex digits (openssl rand -hex
// 32). Spaces and line ends around it are not part of it.
func (c *Config) SetSessionKeyFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the session key: %w", err)
	}
	key := bytes.TrimSpace(b)
	if len(key) == 0 {
		return fmt.Errorf("cannot use the session key in %q: the file is empty (openssl rand -hex 32 > %s)", path, path)
	}
	if h, err := hex.DecodeString(string(key)); err == nil {
		if len(h) < MinSessionKey {
			return fmt.Errorf("cannot use the session key in %q: it holds %d bytes in hex, want %d at least (openssl rand -hex 32)", path, len(h), MinSessionKey)
		}
		key = h
	}
	if len(key) < MinSessionKey {
		return fmt.Errorf("cannot use the session key in %q: it holds %d bytes, want %d at least (openssl rand -hex 32)", path, len(key), MinSessionKey)
	}
	c.Serve.SessionKeyFile = path
	c.Serve.SessionKey = Secret{value: string(key), from: "file " + path}
	return nil
}

// Validate checks the configuration as a whole, naming the key at fault.
func (c *Config) Validate() error {
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, key+": "+fmt.Sprintf(format, args...))
	}
	if c.ClickHouse.Database == "" {
		bad("clickhouse.database", "is empty")
	}
	if c.ClickHouse.Cluster != "" && c.ClickHouse.Addr == "" {
		bad("clickhouse.cluster", "needs clickhouse.addr: motcua starts a server of its own, never a cluster")
	}
	if c.ClickHouse.SummaryTimeout < Duration(time.Second) {
		bad("clickhouse.summary_timeout", "want at least 1s, got %s", c.ClickHouse.SummaryTimeout)
	}
	if c.ClickHouse.SummaryMaxMemory < 1<<20 {
		bad("clickhouse.summary_max_memory", "want at least 1MiB, got %s", c.ClickHouse.SummaryMaxMemory)
	}
	if c.Serve.Listen == "" {
		bad("serve.listen", "is empty")
	}
	if c.Serve.MaxConns < 1 {
		bad("serve.max_conns", "want at least 1, got %d", c.Serve.MaxConns)
	}
	if c.Serve.ReadTimeout < Duration(time.Second) {
		bad("serve.read_timeout", "want at least 1s, got %s", c.Serve.ReadTimeout)
	}
	if c.Ingest.MaxBody < 1<<10 {
		bad("ingest.max_body", "want at least 1KiB, got %s", c.Ingest.MaxBody)
	}
	if c.Ingest.MaxEvents < 1 {
		bad("ingest.max_events", "want at least 1, got %d", c.Ingest.MaxEvents)
	}
	if c.Ingest.MaxRequests < 1 {
		bad("ingest.max_requests", "want at least 1, got %d", c.Ingest.MaxRequests)
	}
	if c.Ingest.InsertTimeout < Duration(time.Second) || c.Ingest.InsertTimeout > Duration(2*time.Minute) {
		// The figures' catch-up trusts an insert to commit within 5 minutes
		// of stamping its rows (warehouse.CatchUpMargin).
		bad("ingest.insert_timeout", "want 1s to 2m, got %s", c.Ingest.InsertTimeout)
	}
	if c.Figures.CatchUpEvery < Duration(time.Second) {
		bad("figures.catch_up_every", "want at least 1s, got %s", c.Figures.CatchUpEvery)
	}
	if c.Alerts.Every < Duration(time.Second) {
		bad("alerts.every", "want at least 1s, got %s", c.Alerts.Every)
	}
	if _, err := time.Parse("15:04", c.Alerts.RepeatAt); err != nil {
		bad("alerts.repeat_at", "%q: want a time of day HH:MM, such as 07:30", c.Alerts.RepeatAt)
	}
	if _, err := time.Parse("15:04", c.Reports.WeeklyAt); err != nil {
		bad("reports.weekly_at", "%q: want a time of day HH:MM, such as 07:30", c.Reports.WeeklyAt)
	}
	if c.Alerts.EscalateAfter <= 0 {
		bad("alerts.escalate_after", "want a number of working days above 0, got %v", c.Alerts.EscalateAfter)
	}
	for key, u := range map[string]string{"alerts.slack_api_url": c.Alerts.SlackAPIURL, "alerts.webhook_url": c.Alerts.WebhookURL, "alerts.public_url": c.Alerts.PublicURL} {
		if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			bad(key, "%q: want an http:// or https:// URL", u)
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Print writes the configuration as YAML, secrets left out: for each, where
// it comes from.
func (c Config) Print(w io.Writer) error {
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	fmt.Fprintf(w, "# secrets (never shown):\n#   clickhouse password: %s\n#   ingest tokens: %s\n#   session key: %s\n#   slack token: %s\n",
		c.ClickHouse.Password, c.Ingest.Tokens, c.Serve.SessionKey, c.Alerts.SlackToken)
	return nil
}

// Secret is a value that is never printed.
type Secret struct {
	value string
	from  string
}

// Value returns the secret.
func (s Secret) Value() string { return s.value }

// String says where the secret comes from, never what it is.
func (s Secret) String() string {
	if s.value == "" {
		return "none"
	}
	return "set, from " + s.from
}

// Tokens maps a bearer token to the source it authenticates.
type Tokens map[string]string

// String says how many tokens there are and for which sources, never the
// tokens.
func (t Tokens) String() string {
	if len(t) == 0 {
		return "none"
	}
	var srcs []string
	for _, s := range t {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	return fmt.Sprintf("%d, for %s", len(t), strings.Join(srcs, ", "))
}

// Set adds SOURCE:TOKEN pairs, comma-separated.
func (t Tokens) Set(v string) error {
	for _, pair := range strings.Split(v, ",") {
		if err := t.add(strings.TrimSpace(pair)); err != nil {
			return err
		}
	}
	return nil
}

func (t Tokens) add(pair string) error {
	if pair == "" {
		return nil
	}
	src, tok, ok := strings.Cut(pair, ":")
	src, tok = strings.TrimSpace(src), strings.TrimSpace(tok)
	if !ok || src == "" || tok == "" {
		return errors.New("want SOURCE:TOKEN, got a line without both")
	}
	if len(tok) < 8 {
		return fmt.Errorf("the token of source %q is shorter than 8 characters", src)
	}
	if prev, dup := t[tok]; dup && prev != src {
		return fmt.Errorf("sources %q and %q have the same token", prev, src)
	}
	t[tok] = src
	return nil
}

// ReadFile adds the SOURCE:TOKEN lines of a file; # starts a comment.
func (t Tokens) ReadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read ingest tokens: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		// A comment is a line that starts with #, or what follows " #": a
		// token may hold # itself.
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a mark some editors write first
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if err := t.add(strings.TrimSpace(line)); err != nil {
			return fmt.Errorf("%s, line %d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// Duration is a time span written as Go writes it: 30s, 5m, 1h30m.
type Duration time.Duration

// UnmarshalYAML reads a duration such as 30s.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration such as 30s, 5m or 1h", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Set reads a duration given as a flag.
func (d *Duration) Set(v string) error {
	x, err := time.ParseDuration(v)
	if err != nil || x < 0 {
		return fmt.Errorf("%q is not a duration such as 30s, 5m or 1h", v)
	}
	*d = Duration(x)
	return nil
}

// MarshalYAML writes the duration as 30s.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// String writes the duration as 30s.
func (d Duration) String() string { return time.Duration(d).String() }

// ByteSize is a size in bytes, written as 32MiB, 512KiB, 1GiB or a number.
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	n      int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// UnmarshalYAML reads a size such as 32MiB.
func (s *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if err := s.Set(n.Value); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// Set reads a size such as 32MiB, given as a flag or in the file.
func (s *ByteSize) Set(v string) error {
	in := v
	v = strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = strings.TrimSpace(num), u.n
			break
		}
	}
	x, err := strconv.ParseInt(v, 10, 64)
	if err != nil || x < 0 {
		return fmt.Errorf("%q is not a size such as 32MiB, 512KiB or 1048576", in)
	}
	*s = ByteSize(x * mult)
	return nil
}

// MarshalYAML writes the size as String does.
func (s ByteSize) MarshalYAML() (any, error) { return s.String(), nil }

// String writes the size with the largest binary unit that divides it.
func (s ByteSize) String() string {
	for _, u := range sizeUnits[:3] {
		if s != 0 && int64(s)%u.n == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.n, u.suffix)
		}
	}
	return strconv.FormatInt(int64(s), 10)
}
