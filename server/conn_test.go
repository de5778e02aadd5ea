package server

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestConnectionCap: past the cap a new connection is closed at once, without
// blocking Accept, and a slot freed by a close serves again.
func TestConnectionCap(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ll := newLimitListener(ln, 2, prometheus.NewRegistry())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(ll)
	t.Cleanup(func() { srv.Close() })

	// ask sends a request on c and reports whether it was answered.
	ask := func(c net.Conn) bool {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			return false
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", ll.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	held := []net.Conn{dial(), dial()}
	for i, c := range held {
		if !ask(c) {
			t.Fatalf("connection %d under the cap is not served", i)
		}
	}
	if ask(dial()) {
		t.Fatal("a third connection over a cap of two was served")
	}
	var m dto.Metric
	ll.refused.Write(&m)
	if n := m.GetCounter().GetValue(); n != 1 {
		t.Errorf("refused counter %v, want 1", n)
	}
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for !ask(dial()) {
		if time.Now().After(deadline) {
			t.Fatal("no connection is served after one of the two was closed")
		}
	}
}
