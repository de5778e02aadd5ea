package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func noEnv(string) string { return "" }

func TestDefaults(t *testing.T) {
	c, err := Load("", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClickHouse.Database != "motcua" || c.Serve.Listen != "127.0.0.1:8080" || c.Ingest.MaxBody != 32<<20 ||
		c.Ingest.MaxEvents != 100_000 || c.Ingest.InsertTimeout != Duration(30*time.Second) || len(c.Ingest.Tokens) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	// An empty file is the defaults too.
	e, err := Load(write(t, "empty.yaml", "# nothing yet\n"), noEnv)
	if err != nil || !reflect.DeepEqual(e, c) {
		t.Errorf("empty file: %+v, %v", e, err)
	}
}

func TestFileOverridesDefaults(t *testing.T) {
	c, err := Load(write(t, "motcua.yaml", `
clickhouse:
  addr: ch.example:9000
serve:
  read_timeout: 90s
ingest:
  max_body: 8MiB
  max_events: 5000
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClickHouse.Addr != "ch.example:9000" || c.Serve.ReadTimeout != Duration(90*time.Second) || c.Ingest.MaxBody != 8<<20 ||
		c.Ingest.MaxEvents != 5000 || c.ClickHouse.Database != "motcua" {
		t.Errorf("got %+v", c)
	}
}

func TestRefusals(t *testing.T) {
	f := func(text, want string) {
		t.Helper()
		_, err := Load(write(t, "bad.yaml", text), noEnv)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", text, err, want)
		}
	}
	f("serve:\n  listen: :8080\n  lisen: :9090\n", `line 3: unknown key "lisen" in serve`)
	f("clikhouse:\n  addr: x\n", `line 1: unknown key "clikhouse" in the top level`)
	f("ingest:\n  max_events: many\n", `line 2: "many" is not a whole number`)
	f("ingest:\n  max_body: 3 bananas\n", `line 2: "3 bananas" is not a size`)
	f("figures:\n  catch_up_every: soon\n", `line 2: "soon" is not a duration`)
	f("ingest:\n  max_requests: 0\n", "ingest.max_requests: want at least 1")
	f("ingest:\n  insert_timeout: 10m\n", "ingest.insert_timeout: want 1s to 2m")
	f("serve: [1, 2]\n", "line 1")
	f("serve: {}\n---\nserve: {}\n", "more than one YAML document")
}

func TestEnvironmentOverridesFile(t *testing.T) {
	env := map[string]string{"MOTCUA_DATABASE": "from_env", "MOTCUA_INGEST_TOKENS": "portal:env-token-123"}
	c, err := Load(write(t, "m.yaml", "clickhouse:\n  database: from_file\n"), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.ClickHouse.Database != "from_env" || c.Ingest.Tokens["env-token-123"] != "portal" {
		t.Errorf("got %+v", c)
	}
}

func TestSecretsFromFilesAreNeverPrinted(t *testing.T) {
	pw := write(t, "pw", "s3cret-password\n")
	toks := write(t, "tokens", "# sources that may post\none-stop:one-stop-token-1\nportal:portal-token-22  # the national portal\n")
	c, err := Load(write(t, "m.yaml", "clickhouse:\n  password_file: "+pw+"\ningest:\n  tokens_file: "+toks+"\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClickHouse.Password.Value() != "s3cret-password" || c.Ingest.Tokens["one-stop-token-1"] != "one-stop" ||
		c.Ingest.Tokens["portal-token-22"] != "portal" {
		t.Errorf("secrets read as %q, %v", c.ClickHouse.Password.Value(), len(c.Ingest.Tokens))
	}
	var out bytes.Buffer
	if err := c.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret-password", "one-stop-token-1", "portal-token-22"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("Print shows the secret %q:\n%s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), "set, from file "+pw) || !strings.Contains(out.String(), "2, for one-stop, portal") {
		t.Errorf("Print does not say where the secrets come from:\n%s", out.String())
	}
	// A token may hold #; a comment follows " #". The environment's file
	// replaces the configured one.
	hashed := write(t, "hashed", "# a comment\nportal:abc#defgh12 # the portal\n")
	c, err = Load(write(t, "m3.yaml", "ingest:\n  tokens_file: "+toks+"\n"), func(k string) string {
		return map[string]string{"MOTCUA_INGEST_TOKEN_FILE": hashed}[k]
	})
	if err != nil || len(c.Ingest.Tokens) != 1 || c.Ingest.Tokens["abc#defgh12"] != "portal" {
		t.Errorf("tokens from the environment's file: %v, %v", c.Ingest.Tokens, err)
	}
	// A bad line of the tokens file is named.
	bad := write(t, "bad-tokens", "one-stop:one-stop-token-1\nportal short\n")
	if _, err := Load(write(t, "m2.yaml", "ingest:\n  tokens_file: "+bad+"\n"), noEnv); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad tokens file: got %v, want line 2 named", err)
	}
}

// Every key of the file is documented in the README, with its default.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			tag := f.Tag.Get("yaml")
			if tag == "-" || tag == "" {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(prefix+tag+".", v.Field(i))
				continue
			}
			key := "`" + prefix + tag + "`"
			if !bytes.Contains(readme, []byte(key)) {
				t.Errorf("README does not document the key %s", key)
			}
		}
	}
	walk("", reflect.ValueOf(Default()))
}

// A tokens file: SOURCE:TOKEN lines with comments and blank lines; a bad
// line is named by number, and no error shows a token.
func TestTokensFile(t *testing.T) {
	good := write(t, "tokens", "# one-stop software\none-stop:secret-token-1\n\n  portal:secret-token-2  \n")
	tokens := Tokens{}
	if err := tokens.ReadFile(good); err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 || tokens["secret-token-1"] != "one-stop" || tokens["secret-token-2"] != "portal" {
		t.Errorf("read %d tokens", len(tokens))
	}
	bad := write(t, "bad", "# comment\nsecret-token-without-source\n")
	if err := (Tokens{}).ReadFile(bad); err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad line: %v, want line 2 named and no token shown", err)
	}
	short := write(t, "short", "src:tiny12\n")
	if err := (Tokens{}).ReadFile(short); err == nil || strings.Contains(err.Error(), "tiny12") {
		t.Errorf("short token: %v", err)
	}
}

// A byte-order mark before the first line is not part of the first source.
func TestTokensFileWithByteOrderMark(t *testing.T) {
	tokens := Tokens{}
	if err := tokens.ReadFile(write(t, "bom", "\ufeffprobe:bom-token-123\n")); err != nil {
		t.Fatal(err)
	}
	if tokens["bom-token-123"] != "probe" {
		t.Errorf("source read as %q, want \"probe\"", tokens["bom-token-123"])
	}
}

// The users file and the session key: from the file, the environment over
// it; the key raw or in hex, 32 bytes at least, and never printed.
func TestUsersAndSessionKey(t *testing.T) {
	hexKey := write(t, "hex", strings.Repeat("ab", 32)+"\n")
	rawKey := write(t, "raw", "0123456789abcdefghijklmnopqrstuvwxyz")
	c, err := Load(write(t, "m.yaml", "serve:\n  users: /etc/motcua/users.csv\n  session_key_file: "+hexKey+"\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.Users != "/etc/motcua/users.csv" || c.Serve.SessionKey.Value() != strings.Repeat("\xab", 32) {
		t.Errorf("from the file: users %q, key %q", c.Serve.Users, c.Serve.SessionKey.Value())
	}
	var out bytes.Buffer
	c.Print(&out)
	if !strings.Contains(out.String(), "session key: set, from file "+hexKey) || strings.Contains(out.String(), strings.Repeat("ab", 32)) {
		t.Errorf("Print:\n%s", out.String())
	}
	env := map[string]string{"MOTCUA_USERS": "/run/users.csv", "MOTCUA_SESSION_KEY_FILE": rawKey}
	c, err = Load(write(t, "m2.yaml", "serve:\n  users: /etc/motcua/users.csv\n  session_key_file: "+hexKey+"\n"), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.Users != "/run/users.csv" || c.Serve.SessionKey.Value() != "0123456789abcdefghijklmnopqrstuvwxyz" {
		t.Errorf("from the environment: users %q, key %q", c.Serve.Users, c.Serve.SessionKey.Value())
	}
	f := func(text, want string) {
		t.Helper()
		_, err := Load(write(t, "k.yaml", "serve:\n  session_key_file: "+write(t, "key", text)+"\n"), noEnv)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), text) && text != "" {
			t.Errorf("key %q: got %v, want %q", text, err, want)
		}
	}
	f(strings.Repeat("ab", 16), "serve.session_key_file: cannot use the session key in")
	f(strings.Repeat("ab", 16), "holds 16 bytes in hex, want 32 at least")
	f("short key", "holds 9 bytes, want 32 at least")
	f("\n", "the file is empty")
	if err := (&Config{}).SetSessionKeyFile(write(t, "ok", strings.Repeat("cd", 40))); err != nil {
		t.Errorf("a key of 40 bytes in hex: %v", err)
	}
}
