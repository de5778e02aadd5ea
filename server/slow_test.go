package server_test

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// slowClient sends head, then one byte of body a second, and returns what the
// server answered and whether it closed the connection before the deadline.
func slowClient(addr, head string, deadline time.Time) (answer []byte, closed bool, err error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	if _, err := c.Write([]byte(head)); err != nil {
		return nil, false, err
	}
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		answer = append(answer, buf[:n]...)
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout():
			c.Write([]byte(" ")) // the next byte of the body; the server may have stopped reading
		case errors.Is(err, syscall.ECONNRESET) || err.Error() == "EOF":
			return answer, true, nil
		default:
			return answer, false, err
		}
	}
	return answer, false, nil
}

// TestSlowBodiesDoNotStall holds 1,000 connections that send their body a
// byte a second, most without a token: each is answered and closed at once
// (Connection: close, no waiting for the rest of the body), an authenticated
// one is cut by the read timeout with 408, and /healthz answers throughout.
func TestSlowBodiesDoNotStall(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{ReadTimeout: 3 * time.Second})
	addr := strings.TrimPrefix(url, "http://")
	kinds := []struct{ name, head, status string }{
		{"no token", "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{", "401"},
		{"wrong token", "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-token-1\r\nContent-Length: 100000\r\n\r\n{", "401"},
		{"unknown path", "POST /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{", "404"},
		{"GET with a body", "GET /api/v1/units HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + leaderBasic + "\r\nContent-Length: 100000\r\n\r\n{", "200"},
	}
	authed := struct{ name, head, status string }{"with token", "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 100000\r\n\r\n{", "408"}

	const n = 1000
	type result struct {
		kind, status string
		closed       bool
		answer       []byte
		err          error
	}
	results := make(chan result, n)
	deadline := time.Now().Add(30 * time.Second)
	for i := range n {
		k := kinds[i%len(kinds)]
		if i%100 == 0 {
			k = authed
		}
		go func() {
			ans, closed, err := slowClient(addr, k.head, deadline)
			results <- result{kind: k.name, status: k.status, closed: closed, answer: ans, err: err}
		}()
	}

	health := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	checks := 0
	for got := 0; got < n; {
		select {
		case r := <-results:
			got++
			if r.err != nil {
				t.Errorf("%s: %v", r.kind, r.err)
				continue
			}
			if !r.closed {
				t.Errorf("%s: the server kept the connection open for 30 s; answer so far %q", r.kind, r.answer)
				continue
			}
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(r.answer)), nil)
			if err != nil {
				t.Errorf("%s: no answer before the close: %q", r.kind, r.answer)
				continue
			}
			resp.Body.Close()
			if !strings.HasPrefix(resp.Status, r.status) || !resp.Close {
				t.Errorf("%s: %s, Connection: %q; want %s and Connection: close", r.kind, resp.Status, resp.Header.Get("Connection"), r.status)
			}
		case <-time.After(100 * time.Millisecond):
			resp, err := health.Get(url + "/healthz")
			if err != nil {
				t.Fatalf("/healthz while %d slow connections are open: %v", n-got, err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/healthz: %s", resp.Status)
			}
			checks++
		}
	}
	if checks == 0 {
		t.Error("/healthz was never asked while the slow connections were open")
	}
}
