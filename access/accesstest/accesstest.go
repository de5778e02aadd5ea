// Package accesstest gives tests users to read motcua's API with: a users
// file with a leader and heads, hashed at bcrypt's lowest cost so that
// every request stays fast, and requests that carry the leader's login.
package accesstest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/motcua/motcua/access"
)

// The leader that Users always holds.
const (
	LeaderLogin    = "leader"
	LeaderPassword = "leader-password"
)

// Head is the login of the head of unit in Users; its password is
// Password(login).
func Head(unit string) string { return "head." + strings.ToLower(unit) }

// Password returns the password that Users gives login.
func Password(login string) string { return login + "-password" }

var (
	mu     sync.Mutex
	hashes = map[string]string{}
)

// Hash returns a bcrypt hash of password at the lowest cost.
func Hash(t testing.TB, password string) string {
	mu.Lock()
	defer mu.Unlock()
	if h, ok := hashes[password]; ok {
		return h
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes[password] = string(h)
	return string(h)
}

// File returns the text of a users file with the leader and, for each of
// headsOf, the head of that unit (login Head(unit)).
func File(t testing.TB, headsOf ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("login,role,unit,password_bcrypt\n")
	fmt.Fprintf(&b, "%s,leader,,%s\n", LeaderLogin, Hash(t, LeaderPassword))
	for _, u := range headsOf {
		fmt.Fprintf(&b, "%s,head,%s,%s\n", Head(u), u, Hash(t, Password(Head(u))))
	}
	return b.String()
}

// Users returns the users of File.
func Users(t testing.TB, headsOf ...string) *access.Users {
	t.Helper()
	return Parse(t, File(t, headsOf...))
}

// Parse returns the users of the users file text.
func Parse(t testing.TB, text string) *access.Users {
	t.Helper()
	us, err := access.ParseUsers(strings.NewReader(text), "accesstest")
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// AsLeader makes req carry the leader's login (HTTP Basic).
func AsLeader(req *http.Request) *http.Request {
	req.SetBasicAuth(LeaderLogin, LeaderPassword)
	return req
}

// Get is http.Get as the leader.
func Get(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(AsLeader(req))
}

// Client is an http.Client whose every request carries the leader's login.
var Client = &http.Client{Transport: leaderTransport{}}

type leaderTransport struct{}

// RoundTrip sends a copy of req with the leader's login.
func (leaderTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Header.Get("Authorization") == "" {
		r.SetBasicAuth(LeaderLogin, LeaderPassword)
	}
	return http.DefaultTransport.RoundTrip(r)
}
