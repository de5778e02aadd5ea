package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua/access"
)

// Who may read: pages take a session cookie, which POST /login sets; the
// API's reads take the cookie or HTTP Basic; ingest takes bearer tokens
// only (events.go), and a token reads nothing.

const (
	sessionCookie = "motcua_session"
	// DefaultSessionTTL is how long a session lasts from its login.
	DefaultSessionTTL = 12 * time.Hour
	// MinSessionKey is the length of the shortest session key, in bytes.
	MinSessionKey = 32
)

// The limits of failed logins, through the form and HTTP Basic alike.
const (
	LoginWindow      = 15 * time.Minute
	FailuresPerLogin = 5  // failures of one login in LoginWindow, then 429
	FailuresPerAddr  = 20 // failures from one client address in LoginWindow, then 429
)

// sessions signs and reads session cookies. A cookie holds a login and an
// expiry, signed with HMAC-SHA256 over them and the user's stamp, so a
// session ends at its expiry, when the user leaves the users file, and
// when their password, role or unit changes.
type sessions struct {
	key   []byte
	ttl   time.Duration
	users *access.Users
	// revoked holds, per login, the last expiry of the sessions ended by
	// a logout: every session issued before it (kept in memory; a restart
	// with a key file forgets it).
	mu      sync.Mutex
	revoked map[string]int64
}

// revoke ends every session of login issued until now.
func (ss *sessions) revoke(login string, now time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.revoked == nil {
		ss.revoked = map[string]int64{}
	}
	ss.revoked[login] = now.Add(ss.ttl).Unix()
}

func (ss *sessions) mac(login string, exp int64, stamp string) []byte {
	m := hmac.New(sha256.New, ss.key)
	fmt.Fprintf(m, "motcua session\x00%s\x00%d\x00%s", login, exp, stamp)
	return m.Sum(nil)
}

// issue returns the cookie value of a session of login from now.
func (ss *sessions) issue(login string, now time.Time) (string, bool) {
	stamp, ok := ss.users.Stamp(login)
	if !ok {
		return "", false
	}
	exp := now.Add(ss.ttl).Unix()
	ss.mu.Lock()
	if r := ss.revoked[login]; exp <= r {
		exp = r + 1 // a login right after a logout, in the same second
	}
	ss.mu.Unlock()
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(login)) + "." + strconv.FormatInt(exp, 10) + "." + enc.EncodeToString(ss.mac(login, exp, stamp)), true
}

// user returns the user of the request's session cookie, if it holds a
// valid one.
func (ss *sessions) user(r *http.Request, now time.Time) (access.User, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return access.User{}, false
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 3 {
		return access.User{}, false
	}
	enc := base64.RawURLEncoding
	login, err1 := enc.DecodeString(parts[0])
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	sig, err3 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || now.Unix() >= exp {
		return access.User{}, false
	}
	stamp, ok := ss.users.Stamp(string(login))
	if !ok || !hmac.Equal(sig, ss.mac(string(login), exp, stamp)) {
		return access.User{}, false
	}
	ss.mu.Lock()
	gone := exp <= ss.revoked[string(login)]
	ss.mu.Unlock()
	if gone {
		return access.User{}, false
	}
	return ss.users.Lookup(string(login))
}

// limiter counts failed logins per login and per client address, over a
// sliding window.
type limiter struct {
	mu       sync.Mutex
	window   time.Duration
	perLogin int
	perAddr  int
	fails    map[string][]time.Time // "l:" + login or "a:" + address
	sweepAt  int
}

func newLimiter() *limiter {
	return &limiter{window: LoginWindow, perLogin: FailuresPerLogin, perAddr: FailuresPerAddr, fails: map[string][]time.Time{}, sweepAt: 1024}
}

// recent returns the failures of key within the window, dropping older ones.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	if i == len(ts) {
		delete(l.fails, key)
		return nil
	}
	ts = ts[i:]
	l.fails[key] = ts
	return ts
}

// wait returns how long login from addr must wait before trying again: 0
// unless either has failed too often within the window.
func (l *limiter) wait(login, addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var d time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{"l:" + login, l.perLogin}, {"a:" + addr, l.perAddr}} {
		if ts := l.recent(k.key, now); len(ts) >= k.limit {
			// Wait until enough failures leave the window.
			d = max(d, ts[len(ts)-k.limit].Add(l.window).Sub(now))
		}
	}
	return d
}

// fail counts a failure of login from addr.
func (l *limiter) fail(login, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, key := range []string{"l:" + login, "a:" + addr} {
		ts := l.recent(key, now)
		if len(ts) >= max(l.perLogin, l.perAddr) {
			ts = ts[1:] // enough to refuse; keep the map small
		}
		l.fails[key] = append(ts, now)
	}
	if len(l.fails) > l.sweepAt {
		for key := range l.fails {
			l.recent(key, now)
		}
		l.sweepAt = max(1024, 2*len(l.fails))
	}
}

// succeed forgets the failures of login (not those of its address).
func (l *limiter) succeed(login string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "l:"+login)
}

// clientAddr is the address the request came from: the peer's IP, never a
// header a client can write.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfter writes d as whole seconds, rounded up.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}

// errLimited is a login refused for too many failures.
type errLimited struct{ wait time.Duration }

func (e errLimited) Error() string {
	return fmt.Sprintf("too many failed logins: try again in %s", retryAfter(e.wait)+"s")
}

// login checks login and password under the limits: a login or address
// that failed too often is refused unchecked (errLimited), a failure is
// counted, and a success forgets the login's failures.
func (s *Server) login(r *http.Request, login, password string) (access.User, error) {
	now, addr := time.Now(), clientAddr(r)
	// Keys of the limiter: a login longer than any user's counts as one, so
	// that long guesses cannot fill the memory; an IPv6 client counts by
	// its /64, the block one host usually holds.
	byLogin, byAddr := login, addr
	if len(byLogin) > access.MaxLoginLen {
		byLogin = byLogin[:access.MaxLoginLen+1]
	}
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		byAddr = ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	if d := s.limits.wait(byLogin, byAddr, now); d > 0 {
		return access.User{}, errLimited{d}
	}
	stamp, known := s.cfg.Users.Stamp(login)
	if known && s.verified.has(login, password, stamp, now) {
		u, _ := s.cfg.Users.Lookup(login)
		return u, nil
	}
	u, ok := s.cfg.Users.Check(login, password)
	if !ok {
		s.limits.fail(byLogin, byAddr, now)
		s.log.Warn("login failed", "login", clip(login), "client", addr)
		return access.User{}, errBadLogin
	}
	s.limits.succeed(byLogin)
	s.verified.add(login, password, stamp, now)
	return u, nil
}

// verified remembers the logins and passwords that bcrypt passed lately,
// by their HMAC under a key of the process, so that a script reading the
// API with HTTP Basic pays bcrypt's cost once in verifiedTTL rather than
// on every request. A new password, role or unit (a new stamp) or the
// user's removal ends an entry at once.
type verified struct {
	mu  sync.Mutex
	key []byte
	m   map[[sha256.Size]byte]verifiedEntry
}

type verifiedEntry struct {
	stamp string
	until time.Time
}

const (
	verifiedTTL = 5 * time.Minute
	maxVerified = 10_000
)

func newVerified() *verified {
	return &verified{key: []byte(rand.Text() + rand.Text()), m: map[[sha256.Size]byte]verifiedEntry{}}
}

func (v *verified) sum(login, password string) (k [sha256.Size]byte) {
	m := hmac.New(sha256.New, v.key)
	fmt.Fprintf(m, "%s\x00%s", login, password)
	copy(k[:], m.Sum(nil))
	return k
}

func (v *verified) has(login, password, stamp string, now time.Time) bool {
	k := v.sum(login, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.m[k]
	return ok && e.stamp == stamp && now.Before(e.until)
}

func (v *verified) add(login, password, stamp string, now time.Time) {
	k := v.sum(login, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= maxVerified {
		for k, e := range v.m {
			if !now.Before(e.until) {
				delete(v.m, k)
			}
		}
		if len(v.m) >= maxVerified {
			clear(v.m)
		}
	}
	v.m[k] = verifiedEntry{stamp: stamp, until: now.Add(verifiedTTL)}
}

var errBadLogin = errors.New("unknown login or wrong password")

// setUser puts u into the request's context, where the handlers and the
// dashboards read it with access.UserFrom, and into the access log.
func setUser(c *gin.Context, u access.User) {
	c.Request = c.Request.WithContext(access.WithUser(c.Request.Context(), u))
	c.Set("user", u.Login)
}

// userOf returns the user of the request; a request without one gets the
// zero User, who sees nothing.
func userOf(c *gin.Context) access.User {
	u, _ := access.UserFrom(c.Request.Context())
	return u
}

// session lets pages through with a valid session and sends the rest to
// the login form, with the page asked for as next.
func (s *Server) session(c *gin.Context) {
	u, ok := s.sessions.user(c.Request, time.Now())
	if !ok {
		s.toLogin(c)
		return
	}
	setUser(c, u)
	c.Next()
}

// toLogin redirects to the login form, which leads back to this page.
func (s *Server) toLogin(c *gin.Context) {
	to := "/login"
	if next := safeNext(c.Request.URL.RequestURI()); next != "/" {
		to += "?next=" + url.QueryEscape(next)
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}

// reader lets the API's reads through with HTTP Basic of a user or a valid
// session cookie, and answers 401 otherwise. An ingest token reads nothing.
func (s *Server) reader(c *gin.Context) {
	deny := func(msg string) {
		c.Header("WWW-Authenticate", `Basic realm="motcua", charset="UTF-8"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": msg})
	}
	if auth := c.GetHeader("Authorization"); auth != "" {
		scheme, _, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") {
			deny("an ingest token posts events and reads nothing: send a user's login and password (HTTP Basic), or log in at /login")
			return
		}
		login, password, ok := c.Request.BasicAuth()
		if !ok {
			deny("cannot read the Authorization header: send HTTP Basic with a user's login and password")
			return
		}
		u, err := s.login(c.Request, login, password)
		var lim errLimited
		switch {
		case errors.As(err, &lim):
			c.Header("Retry-After", retryAfter(lim.wait))
			c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": lim.Error()})
			return
		case err != nil:
			deny("unknown login or wrong password")
			return
		}
		setUser(c, u)
		c.Next()
		return
	}
	u, ok := s.sessions.user(c.Request, time.Now())
	if !ok {
		deny("log in first: send a user's login and password (HTTP Basic), or log in at /login")
		return
	}
	setUser(c, u)
	c.Next()
}

// openPrefixes are the paths that need no session: the API (which answers
// 401 itself), health, metrics, the login form and static files.
var openPrefixes = []string{"/api/", "/healthz", "/readyz", "/metrics", "/login", "/logout", "/static/"}

// isPage reports whether a request for a path that no route serves would be
// a page, which needs a session before it is told that it does not exist.
func isPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, p := range openPrefixes {
		if r.URL.Path == strings.TrimSuffix(p, "/") || strings.HasPrefix(r.URL.Path, p) {
			return false
		}
	}
	return true
}

// sameOrigin checks that a form that changes state was sent from a page of
// this server: its Origin, or its Referer when it has none, must name the
// request's host. Another site's page cannot log a reader in or out.
func sameOrigin(r *http.Request) error {
	from, header := r.Header.Get("Origin"), "Origin"
	if from == "" {
		from, header = r.Header.Get("Referer"), "Referer"
	}
	if from == "" {
		return errors.New("the form came without an Origin or a Referer header, so nothing shows that it was sent from a page of motcua")
	}
	u, err := url.Parse(from)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return fmt.Errorf("the form was sent from %q (%s), not from a page of %s", clip(from), header, clip(r.Host))
	}
	return nil
}

// safeNext returns next when it is a path of this server, else "/": an
// absolute URL, "//host" or "/\host" would send the reader to another site.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
