package server_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type reply struct {
	status int
	header http.Header
	body   string
	cookie *http.Cookie // the session cookie set, if any
}

func do(t *testing.T, c *http.Client, req *http.Request) reply {
	t.Helper()
	if c == nil {
		c = noRedirect
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	for _, ck := range resp.Cookies() {
		if ck.Name == "motcua_session" {
			r.cookie = ck
		}
	}
	return r
}

// loginForm posts the login form as a browser on the server's own page does.
func loginForm(t *testing.T, c *http.Client, base, login, password, next string, hdr ...string) reply {
	t.Helper()
	form := url.Values{"login": {login}, "password": {password}, "next": {next}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return do(t, c, req)
}

// getWith GETs path with the cookie (none when nil).
func getWith(t *testing.T, base, path string, ck *http.Cookie, hdr ...string) reply {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if ck != nil {
		req.AddCookie(ck)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, nil, req)
}

func TestLoginAndPages(t *testing.T) {
	base := start(t, warehousetest.Open(t), server.Config{})

	// The form, in Vietnamese, under a strict Content-Security-Policy.
	r := getWith(t, base, "/login?next=/units/LH", nil)
	for _, want := range []string{"Đăng nhập", "Tên đăng nhập", "Mật khẩu", `name="login"`, `name="password"`, `name="next" value="/units/LH"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the login form lacks %q", want)
		}
	}
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("GET /login: %d, CSP %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	// An unsafe next is not written into the form.
	if r := getWith(t, base, "/login?next="+url.QueryEscape("//evil.example/"), nil); !strings.Contains(r.body, `name="next" value="/"`) {
		t.Errorf("GET /login with next=//evil.example/ writes it into the form")
	}

	// Pages without a session go to the form, which leads back.
	for path, want := range map[string]string{
		"/":                   "/login",
		"/units/LH?from=2022": "/login?next=" + url.QueryEscape("/units/LH?from=2022"),
		"/no/such/page":       "/login?next=" + url.QueryEscape("/no/such/page"),
	} {
		if r := getWith(t, base, path, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("GET %s without a session: %d to %q, want 303 to %q", path, r.status, r.header.Get("Location"), want)
		}
	}
	// Health, readiness and metrics stay open.
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := getWith(t, base, path, nil); r.status != 200 {
			t.Errorf("GET %s without a session: %d", path, r.status)
		}
	}

	// A wrong password shows the form again with the message, and no cookie.
	r = loginForm(t, nil, base, accesstest.LeaderLogin, "wrong", "/units/LH")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Sai tên đăng nhập hoặc mật khẩu") || r.cookie != nil ||
		!strings.Contains(r.body, `value="`+accesstest.LeaderLogin+`"`) || r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("a wrong password: %d, cookie %v, WWW-Authenticate %q", r.status, r.cookie, r.header.Get("WWW-Authenticate"))
	}
	if r := loginForm(t, nil, base, "nobody", accesstest.LeaderPassword, "/"); r.status != http.StatusUnauthorized || r.cookie != nil {
		t.Errorf("an unknown login: %d, cookie %v", r.status, r.cookie)
	}

	// The right one sets the cookie and goes on to next.
	r = loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/units/LH?from=2022-01-01")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/units/LH?from=2022-01-01" || r.cookie == nil {
		t.Fatalf("login: %d to %q, cookie %v", r.status, r.header.Get("Location"), r.cookie)
	}
	if ck := r.cookie; !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" || ck.MaxAge != 12*3600 {
		t.Errorf("the session cookie: %+v", ck)
	}
	session := r.cookie
	if r := getWith(t, base, "/", session); r.status != 200 || !strings.Contains(r.body, "<span>"+accesstest.LeaderLogin+"</span>") {
		t.Errorf("GET / with the session: %d %s", r.status, r.body)
	}
	if r := getWith(t, base, "/no/such/page", session); r.status != 404 {
		t.Errorf("an unknown page with the session: %d, want 404", r.status)
	}
	if r := getWith(t, base, "/api/v1/units", session); r.status != 200 {
		t.Errorf("the API with the session cookie: %d", r.status)
	}
	// Over TLS, as a proxy in front says, the cookie is Secure.
	if r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "", "X-Forwarded-Proto", "https"); r.cookie == nil || !r.cookie.Secure {
		t.Errorf("behind TLS: cookie %+v", r.cookie)
	}

	// next: local paths only.
	for next, want := range map[string]string{
		"":                              "/",
		"/units/LH":                     "/units/LH",
		"/a?b=c&d=%2F%2Fx":              "/a?b=c&d=%2F%2Fx",
		"//evil.example/x":              "/",
		"///evil.example":               "/",
		"/\\evil.example":               "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"evil.example":                  "/",
		"/\t/evil.example":              "/",
		" //evil.example":               "/",
		"/login?next=/units":            "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, next)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("next=%q: %d to %q, want 303 to %q", next, r.status, r.header.Get("Location"), want)
		}
	}
}

func TestSessionCookieTampering(t *testing.T) {
	key := []byte(strings.Repeat("s", 32))
	base := start(t, warehousetest.Open(t), server.Config{SessionKey: key})
	head := accesstest.Head("LH")
	r := loginForm(t, nil, base, head, accesstest.Password(head), "/")
	if r.cookie == nil {
		t.Fatalf("login: %d", r.status)
	}
	if r := getWith(t, base, "/", r.cookie); r.status != 200 {
		t.Fatalf("the untouched cookie: %d", r.status)
	}
	parts := strings.Split(r.cookie.Value, ".")
	if len(parts) != 3 {
		t.Fatalf("the cookie has %d parts: %q", len(parts), r.cookie.Value)
	}
	enc := base64.RawURLEncoding
	exp, _ := strconv.ParseInt(parts[1], 10, 64)
	flip := []byte(parts[2])
	flip[3] ^= 1
	for name, value := range map[string]string{
		"another login":     enc.EncodeToString([]byte(accesstest.LeaderLogin)) + "." + parts[1] + "." + parts[2],
		"a later expiry":    parts[0] + "." + strconv.FormatInt(exp+3600, 10) + "." + parts[2],
		"another signature": parts[0] + "." + parts[1] + "." + string(flip),
		"no signature":      parts[0] + "." + parts[1] + ".",
		"two parts":         parts[0] + "." + parts[1],
		"garbage":           "x",
	} {
		ck := &http.Cookie{Name: "motcua_session", Value: value}
		if r := getWith(t, base, "/units/LH", ck); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Errorf("%s: %d to %q, want 303 to /login", name, r.status, r.header.Get("Location"))
		}
		if r := getWith(t, base, "/api/v1/units", ck); r.status != http.StatusUnauthorized {
			t.Errorf("%s on the API: %d, want 401", name, r.status)
		}
	}
	// A server with the same key and users takes the cookie; one with another
	// key does not, nor one whose users file no longer holds the user, or
	// holds them with a new password.
	for name, tc := range map[string]struct {
		cfg    server.Config
		status int
	}{
		"the same key and users": {server.Config{SessionKey: key}, 200},
		"another key":            {server.Config{SessionKey: []byte(strings.Repeat("k", 32))}, http.StatusSeeOther},
		"the user removed":       {server.Config{SessionKey: key, Users: accesstest.Users(t)}, http.StatusSeeOther},
		"a new password":         {server.Config{SessionKey: key, Users: usersWithPassword(t, head, "LH", "new-password")}, http.StatusSeeOther},
	} {
		other := start(t, warehousetest.Open(t), tc.cfg)
		if r := getWith(t, other, "/", r.cookie); r.status != tc.status {
			t.Errorf("%s: %d, want %d", name, r.status, tc.status)
		}
	}
}

// usersWithPassword returns a users file whose head of unit has another password.
func usersWithPassword(t *testing.T, login, unit, password string) *access.Users {
	t.Helper()
	return accesstest.Parse(t, "login,role,unit,password_bcrypt\n"+login+",head,"+unit+","+accesstest.Hash(t, password)+"\n")
}

func TestSessionExpires(t *testing.T) {
	base := start(t, warehousetest.Open(t), server.Config{SessionTTL: time.Second})
	r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/")
	if r.cookie == nil || r.cookie.MaxAge != 1 {
		t.Fatalf("login: %d, cookie %+v", r.status, r.cookie)
	}
	if r := getWith(t, base, "/", r.cookie); r.status != 200 {
		t.Fatalf("a fresh session: %d", r.status)
	}
	time.Sleep(2100 * time.Millisecond)
	// Sent again by hand: the server, not only the browser, ends it.
	if r := getWith(t, base, "/", r.cookie); r.status != http.StatusSeeOther {
		t.Errorf("an expired session: %d, want 303", r.status)
	}
	if r := getWith(t, base, "/api/v1/units", r.cookie); r.status != http.StatusUnauthorized {
		t.Errorf("an expired session on the API: %d, want 401", r.status)
	}
}

func TestLogout(t *testing.T) {
	base := start(t, warehousetest.Open(t), server.Config{})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: noRedirect.CheckRedirect}
	login := loginForm(t, browser, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/")
	if login.status != http.StatusSeeOther {
		t.Fatalf("login: %d", login.status)
	}
	copied := login.cookie
	get := func() int {
		req, _ := http.NewRequest("GET", base+"/", nil)
		return do(t, browser, req).status
	}
	if s := get(); s != 200 {
		t.Fatalf("logged in: %d", s)
	}
	req, _ := http.NewRequest("POST", base+"/logout", nil)
	req.Header.Set("Origin", base)
	r := do(t, browser, req)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" || r.cookie == nil || r.cookie.MaxAge >= 0 {
		t.Errorf("logout: %d to %q, cookie %+v", r.status, r.header.Get("Location"), r.cookie)
	}
	if s := get(); s != http.StatusSeeOther {
		t.Errorf("after logout: %d, want 303", s)
	}
	// A copy of the cookie kept from before ends with the logout too.
	if r := getWith(t, base, "/", copied); r.status != http.StatusSeeOther {
		t.Errorf("a copied cookie after logout: %d, want 303", r.status)
	}
	if r := getWith(t, base, "/api/v1/units", copied); r.status != http.StatusUnauthorized {
		t.Errorf("a copied cookie on the API after logout: %d, want 401", r.status)
	}
	// Logging in again works at once.
	if r := loginForm(t, browser, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/"); r.status != http.StatusSeeOther {
		t.Fatalf("login again: %d", r.status)
	}
	if s := get(); s != 200 {
		t.Errorf("logged in again: %d", s)
	}
}

func TestFormsCheckTheOrigin(t *testing.T) {
	base := start(t, warehousetest.Open(t), server.Config{})
	for name, hdr := range map[string][]string{
		"another origin":             {"Origin", "http://evil.example"},
		"origin null":                {"Origin", "null"},
		"same host, another port":    {"Origin", "http://127.0.0.1:1"},
		"another referer, no origin": {"Origin", "", "Referer", "http://evil.example/page"},
		"neither":                    {"Origin", ""},
	} {
		r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/", hdr...)
		if r.status != http.StatusForbidden || r.cookie != nil || !strings.Contains(r.body, "not from a page of") && !strings.Contains(r.body, "without an Origin") {
			t.Errorf("login, %s: %d %q, cookie %v", name, r.status, r.body, r.cookie)
		}
		req, _ := http.NewRequest("POST", base+"/logout", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			if hdr[i+1] != "" {
				req.Header.Set(hdr[i], hdr[i+1])
			}
		}
		if r := do(t, nil, req); r.status != http.StatusForbidden {
			t.Errorf("logout, %s: %d", name, r.status)
		}
	}
	// The Referer of the server's own page does, when there is no Origin.
	if r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/", "Origin", "", "Referer", base+"/login?next=/"); r.status != http.StatusSeeOther {
		t.Errorf("login with the server's own Referer: %d", r.status)
	}
}

func TestFailedLoginsAreLimited(t *testing.T) {
	t.Run("per login", func(t *testing.T) {
		base := start(t, warehousetest.Open(t), server.Config{})
		for i := range server.FailuresPerLogin {
			if r := loginForm(t, nil, base, accesstest.LeaderLogin, "wrong", "/"); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, r.status)
			}
		}
		// Now even the right password waits, through the form and HTTP Basic.
		r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/")
		wait, _ := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != http.StatusTooManyRequests || r.cookie != nil || wait < 800 || wait > 900 ||
			!strings.Contains(r.body, "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.") {
			t.Errorf("after %d failures: %d, Retry-After %q, %s", server.FailuresPerLogin, r.status, r.header.Get("Retry-After"), r.body)
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/units", nil)
		if r := do(t, nil, accesstest.AsLeader(req)); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Errorf("HTTP Basic after %d failures: %d", server.FailuresPerLogin, r.status)
		}
		// Another login from the same address still may.
		head := accesstest.Head("LH")
		if r := loginForm(t, nil, base, head, accesstest.Password(head), "/"); r.status != http.StatusSeeOther {
			t.Errorf("another login: %d", r.status)
		}
	})
	t.Run("per address", func(t *testing.T) {
		base := start(t, warehousetest.Open(t), server.Config{})
		for i := range server.FailuresPerAddr {
			// HTTP Basic failures count as form failures do.
			if i%2 == 0 {
				req, _ := http.NewRequest("GET", base+"/api/v1/units", nil)
				req.SetBasicAuth("guess"+strconv.Itoa(i), "wrong")
				if r := do(t, nil, req); r.status != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i+1, r.status)
				}
			} else if r := loginForm(t, nil, base, "guess"+strconv.Itoa(i), "wrong", "/"); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, r.status)
			}
		}
		if r := loginForm(t, nil, base, accesstest.LeaderLogin, accesstest.LeaderPassword, "/"); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Errorf("after %d failures from one address: %d", server.FailuresPerAddr, r.status)
		}
	})
}

func TestAPINeedsAUser(t *testing.T) {
	base := start(t, warehousetest.Open(t), server.Config{})
	get := func(auth string) reply {
		req, _ := http.NewRequest("GET", base+"/api/v1/summary?from=2022-01-01&to=2022-01-31", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return do(t, nil, req)
	}
	basic := func(login, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+password))
	}
	for name, auth := range map[string]string{
		"no credentials":   "",
		"an ingest token":  "Bearer " + token,
		"an unknown token": "Bearer nope-nope-nope",
		"a wrong password": basic(accesstest.LeaderLogin, "wrong"),
		"another scheme":   "Digest username=x",
		"broken basic":     "Basic !!!",
	} {
		r := get(auth)
		var body struct{ Error string }
		if err := json.Unmarshal([]byte(r.body), &body); err != nil || body.Error == "" {
			t.Errorf("%s: the answer is not JSON with an error: %q", name, r.body)
		}
		if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != `Basic realm="motcua", charset="UTF-8"` {
			t.Errorf("%s: %d, WWW-Authenticate %q", name, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := get("Bearer " + token); !strings.Contains(r.body, "reads nothing") {
		t.Errorf("an ingest token on a read: %q", r.body)
	}
	for range 3 {
		if r := get(basic(accesstest.LeaderLogin, accesstest.LeaderPassword)); r.status != 200 {
			t.Errorf("HTTP Basic of the leader: %d %s", r.status, r.body)
		}
	}
	// Once the right password passed, a wrong one still fails.
	if r := get(basic(accesstest.LeaderLogin, accesstest.LeaderPassword+"x")); r.status != http.StatusUnauthorized {
		t.Errorf("a wrong password after the right one: %d", r.status)
	}
	// The ingest token still posts.
	if a := post(t, base, "", []byte(line("a1", "A-1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`))); a.status != 200 {
		t.Errorf("post with the ingest token: %d", a.status)
	}
	// HTTP Basic does not post.
	req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(line("a2", "A-2", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`)))
	if r := do(t, nil, accesstest.AsLeader(req)); r.status != http.StatusUnauthorized {
		t.Errorf("post with HTTP Basic: %d", r.status)
	}
}

func TestHeadsSeeTheirSubtree(t *testing.T) {
	base := start(t, warehousetest.Open(t), server.Config{})
	body := line("p1", "D-P1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`) +
		line("l1", "D-LH", "received", "2022-03-01T08:00:00+07:00", "LH", `,"channel":"online"`) +
		line("t1", "D-P1-LH", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`) +
		line("t2", "D-P1-LH", "transferred", "2022-03-02T08:00:00+07:00", "LH", "")
	if a := post(t, base, "", []byte(body)); a.status != 200 || a.Accepted != 4 {
		t.Fatalf("post: %d %+v", a.status, a.Answer)
	}
	as := func(login, path string) reply {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth(login, accesstest.Password(login))
		if login == accesstest.LeaderLogin {
			accesstest.AsLeader(req)
		}
		return do(t, nil, req)
	}
	lh, mc := accesstest.Head("LH"), accesstest.Head("TX.MC")
	period := "/api/v1/summary?from=2022-03-01&to=2022-03-31"
	for _, tc := range []struct {
		login, path string
		status      int
		has         string
	}{
		{lh, period, 200, `"unit":"LH"`}, // a head's own unit when none is named
		{lh, period + "&unit=LH", 200, `"unit":"LH"`},
		{lh, period + "&unit=P1", 403, `unit \"P1\" is outside what \"head.lh\" may see`},
		{lh, period + "&unit=TX", 403, `unit \"TX\"`},
		{lh, period + "&unit=Q9", 403, `unit \"Q9\"`},
		{mc, period + "&unit=LH", 403, `unit \"LH\"`},
		{mc, period, 200, `"unit":"TX.MC"`},
		{accesstest.LeaderLogin, period + "&unit=P1", 200, `"unit":"P1"`},
		{accesstest.LeaderLogin, period, 200, `"total"`},
		{lh, "/api/v1/dossiers/D-LH", 200, `"id":"D-LH"`},
		{lh, "/api/v1/dossiers/D-P1-LH", 200, `"handling_unit":"LH"`}, // handled by LH now
		{lh, "/api/v1/dossiers/D-P1", 403, `dossier \"D-P1\" was received by unit \"P1\"`},
		{mc, "/api/v1/dossiers/D-LH", 403, `dossier \"D-LH\"`},
		{accesstest.LeaderLogin, "/api/v1/dossiers/D-P1", 200, `"id":"D-P1"`},
		{lh, "/api/v1/units", 200, `"units"`},
		{lh, "/api/v1/procedures", 200, `"procedures"`},
		{lh, "/api/v1/calendar", 200, `"working_hours"`},
	} {
		r := as(tc.login, tc.path)
		if r.status != tc.status || !strings.Contains(r.body, tc.has) {
			t.Errorf("%s GET %s: %d %.300s; want %d with %s", tc.login, tc.path, r.status, r.body, tc.status, tc.has)
		}
	}
	// The home page says who is logged in.
	r := loginForm(t, nil, base, lh, accesstest.Password(lh), "/")
	if r := getWith(t, base, "/", r.cookie); !strings.Contains(r.body, "UBND xã Long Hữu") {
		t.Errorf("the home page of the head of LH: %s", r.body)
	}
}

// A head of a unit that is not in the catalogue stops the server at start.
func TestUsersOfUnknownUnitsAreRefused(t *testing.T) {
	cfg := server.Config{Listen: "127.0.0.1:0", Users: accesstest.Users(t, "LH", "Q9")}
	s := server.New(cfg, warehousetest.Open(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := s.Start(t.Context())
	if err == nil {
		s.Stop(t.Context())
		t.Fatal("the server started with a head of unit Q9")
	}
	if !strings.Contains(err.Error(), `unit "Q9" of head "head.q9" is not in the catalogue`) {
		t.Errorf("got %v", err)
	}
}
