package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func TestImportCommand(t *testing.T) {
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ndjson")
	bad := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(good, []byte(`{"event_id":"a1","dossier_id":"A","type":"received","at":"2022-01-04T08:00:00+07:00","unit":"P1","procedure":"XA.001","channel":"direct"}`+"\n"), 0o644)
	os.WriteFile(bad, []byte(`{"event_id":"b1","dossier_id":"B","type":"received","at":"2022-01-04T08:00:00+07:00","unit":"P1","procedure":"XA.001"}`+"\n"), 0o644)
	imp := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"import", "--clickhouse", addr, "--database", db}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := imp(good); code != 0 || !strings.Contains(out, "1 stored, 0 already stored") {
		t.Errorf("good file: exit %d, %q, %q", code, out, errs)
	}
	if code, out, _ := imp(good); code != 0 || !strings.Contains(out, "0 stored, 1 already stored") {
		t.Errorf("good file again: exit %d, %q", code, out)
	}
	code, out, errs := imp(bad)
	if code != 1 || !strings.Contains(errs, `bad.ndjson: row 1, column "channel": is required on a received event`) || !strings.Contains(out, "nothing was stored") {
		t.Errorf("bad file: exit %d, %q, %q", code, out, errs)
	}
	if code, _, errs := imp(filepath.Join(dir, "missing.csv")); code != 1 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing file: exit %d, %q", code, errs)
	}
	if code := run(t.Context(), []string{"frobnicate"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestCatalogLoadCommand(t *testing.T) {
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"catalog", "load", "--clickhouse", addr, "--database", db, "../../catalog/duyenhai"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "loaded 35 units, 432 procedures") {
		t.Errorf("exit %d, %q, %q", code, out.String(), errb.String())
	}
	code = run(t.Context(), []string{"catalog", "load", "--clickhouse", addr, "--database", db, t.TempDir()}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), `cannot open catalogue file "units.csv"`) {
		t.Errorf("empty folder: exit %d, %q", code, errb.String())
	}
}

// lockedBuffer is a bytes.Buffer that a running command writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// motcua demo --ingest-token keeps the demo's own token for loading its data
// set, and takes the given one too.
func TestDemoWithAnIngestToken(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo data set")
	}
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errb lockedBuffer
	data := t.TempDir()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--clickhouse", addr, "--database", db, "--listen", "127.0.0.1:0", "--data", data,
			"--ingest-token", "portal:portal-token-123"}, &out, &errb)
	}()
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(3 * time.Minute)
	var url string
	for url == "" {
		select {
		case code := <-done:
			t.Fatalf("motcua demo exited with %d before listening: %s", code, errb.String())
		case <-time.After(100 * time.Millisecond):
		}
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("motcua demo does not listen after 3 minutes: %s", errb.String())
		}
	}
	body := `{"event_id":"p1","dossier_id":"PORTAL-1","type":"received","at":"2026-11-02T08:00:00+07:00","unit":"PDH.TT","procedure":"XA.001","channel":"online"}` + "\n"
	req, _ := http.NewRequest("POST", url+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer portal-token-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a post with the given token: %s, want 200", resp.Status)
	}

	// The demo made its users, printed their passwords, and wrote them 0600
	// under its data folder.
	creds := regexp.MustCompile(`login (\S+) +password (\S+)`).FindAllStringSubmatch(out.String(), -1)
	if len(creds) != 3 || creds[0][1] != "lanhdao" || creds[1][1] != "truongbp.motcua" || creds[2][1] != "chutich.longhuu" {
		t.Fatalf("demo users printed: %q in %s", creds, out.String())
	}
	if fi, err := os.Stat(filepath.Join(data, "users.csv")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the demo users file: %v %v", fi, err)
	}
	read := func(login, password, query string) int {
		req, _ := http.NewRequest("GET", url+"/api/v1/summary?from=2022-01-01&to=2022-12-31"+query, nil)
		req.SetBasicAuth(login, password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		i     int
		query string
		want  int
	}{{0, "&unit=LH", 200}, {1, "", 200}, {1, "&unit=LH", 403}, {2, "&unit=LH", 200}, {2, "&unit=P1", 403}} {
		if got := read(creds[c.i][1], creds[c.i][2], c.query); got != c.want {
			t.Errorf("%s reads the summary%s: %d, want %d", creds[c.i][1], c.query, got, c.want)
		}
	}
	if got := read(creds[0][1], "wrong", ""); got != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d", got)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("motcua demo exited with %d: %s", code, errb.String())
	}
}

// hash-password reads one line, prints a bcrypt hash of it that a users file
// takes, and refuses an empty or too long password.
func TestHashPassword(t *testing.T) {
	for _, in := range []string{"s3cret pass\n", "s3cret pass\r\n", "s3cret pass", "s3cret pass\nsecond line\n"} {
		var out, errb bytes.Buffer
		if err := hashPassword(nil, strings.NewReader(in), &out, &errb); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		h := strings.TrimSuffix(out.String(), "\n")
		if bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret pass")) != nil {
			t.Errorf("%q: the hash %q is not of the password", in, h)
		}
		us, err := access.ParseUsers(strings.NewReader("login,role,unit,password_bcrypt\nlan,leader,,"+h+"\n"), "users.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := us.Check("lan", "s3cret pass"); !ok {
			t.Errorf("%q: the users file does not take the hash", in)
		}
	}
	for in, want := range map[string]string{
		"":                             "cannot hash an empty password",
		"\n":                           "cannot hash an empty password",
		strings.Repeat("x", 73) + "\n": "cannot hash a password of 73 bytes: bcrypt takes 72 at most",
	} {
		var out bytes.Buffer
		if err := hashPassword(nil, strings.NewReader(in), &out, &out); err == nil || !strings.Contains(err.Error(), want) || out.Len() != 0 {
			t.Errorf("%q: %v, output %q; want %q", in, err, out.String(), want)
		}
	}
	var errb bytes.Buffer
	if code := run(t.Context(), []string{"hash-password", "extra"}, &bytes.Buffer{}, &errb); code != 2 {
		t.Errorf("hash-password with an argument: exit %d", code)
	}
}

// A flag overrides the configuration file, which overrides the defaults.
func TestFlagOverridesConfigFile(t *testing.T) {
	addr := warehousetest.Addr(t)
	fromFile, fromFlag := warehousetest.NewDatabase(t), warehousetest.NewDatabase(t)
	dir := t.TempDir()
	password := filepath.Join(dir, "password")
	os.WriteFile(password, []byte(warehousetest.Password(t)+"\n"), 0o600)
	conf := filepath.Join(dir, "motcua.yaml")
	os.WriteFile(conf, []byte("clickhouse:\n  addr: "+addr+"\n  database: "+fromFile+"\n  password_file: "+password+"\n"), 0o600)
	events := filepath.Join(dir, "e.ndjson")
	os.WriteFile(events, []byte(`{"event_id":"a1","dossier_id":"A","type":"received","at":"2022-01-04T08:00:00+07:00","unit":"P1","procedure":"XA.001","channel":"direct"}`+"\n"), 0o644)
	imp := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := run(t.Context(), append([]string{"import", "--config", conf}, args...), &out, &errb); code != 0 {
			t.Fatalf("import %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	if out := imp("--database", fromFlag, events); !strings.Contains(out, "1 stored, 0 already stored") {
		t.Errorf("into the flag's database: %q", out)
	}
	if out := imp(events); !strings.Contains(out, "1 stored, 0 already stored") {
		t.Errorf("into the file's database (empty until now): %q", out)
	}
	if out := imp("--database", fromFlag, events); !strings.Contains(out, "0 stored, 1 already stored") {
		t.Errorf("into the flag's database again: %q", out)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("one-stop:secret-token-value\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("ingest:\n  tokens_file: "+tokens+"\n  max_body: 8MiB\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"config", "check", good}, &out, &errb); code != 0 || !strings.Contains(out.String(), "max_body: 8MiB") {
		t.Errorf("good file: exit %d, %q, %q", code, out.String(), errb.String())
	}
	if strings.Contains(out.String(), "secret-token-value") {
		t.Errorf("config check prints a token: %s", out.String())
	}
	// A users file is read too, and a bad line named.
	users := filepath.Join(dir, "users.csv")
	os.WriteFile(users, []byte("login,role,unit,password_bcrypt\nlan,admin,,x\n"), 0o600)
	withUsers := filepath.Join(dir, "users.yaml")
	os.WriteFile(withUsers, []byte("serve:\n  users: "+users+"\n"), 0o600)
	errb.Reset()
	if code := run(t.Context(), []string{"config", "check", withUsers}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `line 2: role "admin": want leader or head`) {
		t.Errorf("a bad users file: exit %d, %q", code, errb.String())
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("serve:\n  listen: 127.0.0.1:8080\n  listne: 127.0.0.1:9090\n"), 0o600)
	out.Reset()
	errb.Reset()
	if code := run(t.Context(), []string{"config", "check", bad}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `line 3: unknown key "listne" in serve`) {
		t.Errorf("bad file: exit %d, %q", code, errb.String())
	}
}

// The demo drops its database at start: it never takes the configured one.
func TestDemoRefusesTheConfiguredDatabase(t *testing.T) {
	t.Setenv("MOTCUA_DATABASE", "production")
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"demo", "--clickhouse", "127.0.0.1:1", "--database", "production"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), `cannot run the demo in database "production"`) {
		t.Errorf("exit %d, %q", code, errb.String())
	}
}
