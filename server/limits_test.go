package server_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestEventsCapPerRequest: a gzip body of 200,000 copies of one valid line is
// refused with 413 naming the limit of 100,000 events, and the heap grows by
// far less than those events would take (the read stops at the limit).
func TestEventsCapPerRequest(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	one := line("m1", "DM1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online","official":"CB.P1.01"`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(one, 200_000)))
	zw.Close()

	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	a := post(t, url, "", gz.Bytes(), "Content-Encoding", "gzip")
	close(stop)
	<-sampled
	if a.status != 413 || !strings.Contains(a.Error, "more than 100000 events") {
		t.Errorf("200,000 events: %d %+v, want 413 naming the limit of 100000", a.status, a.Answer)
	}
	// Measured: about 60 MiB here, and 148 MiB on the code that took all 200,000.
	growth := int64(peak.Load()) - int64(base)
	t.Logf("heap growth during the request: %d MiB", growth>>20)
	if growth > 100<<20 {
		t.Errorf("the heap grew by %d MiB during one refused request", growth>>20)
	}
}

// TestEventsRefusesUnknownEncoding: a Content-Encoding other than gzip or
// identity is refused with 415, not read as plain text.
func TestEventsRefusesUnknownEncoding(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	body := []byte(line("e1", "DE1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`))
	for _, enc := range []string{"br", "deflate", "gzip, br"} {
		if a := post(t, url, "", body, "Content-Encoding", enc); a.status != 415 || !strings.Contains(a.Error, fmt.Sprintf("%q", enc)) {
			t.Errorf("Content-Encoding %s: %d %+v, want 415 naming it", enc, a.status, a.Answer)
		}
	}
	if a := post(t, url, "", body, "Content-Encoding", "identity"); a.status != 200 || a.Accepted != 1 {
		t.Errorf("identity: %d %+v", a.status, a.Answer)
	}
}

// TestEventsConcurrencyCap: past MaxConcurrent requests under way, a request
// is answered 503 with Retry-After at once, and the one under way completes.
func TestEventsConcurrencyCap(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{Ingest: ingest.Config{MaxConcurrent: 1}})
	body := line("c1", "DC1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`)
	// The first request sends half of its body and holds its slot. If a
	// second request held the slot at the instant the first came in, the
	// first is refused at once: it then starts over on a new connection.
	hold := func() net.Conn {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", token, len(body), body[:10])
		return c
	}
	c := hold()
	defer func() { c.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := post(t, url, "", []byte(line("c2", "DC2", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`)))
		if a.status == 503 {
			if a.header.Get("Retry-After") == "" || !strings.Contains(a.Error, "1 requests are being stored") {
				t.Errorf("past the cap: %+v, Retry-After %q", a.Answer, a.header.Get("Retry-After"))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 503 while one request holds the only slot: last %d %+v", a.status, a.Answer)
		}
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if n, _ := c.Read(make([]byte, 512)); n > 0 { // answered before its body: refused
			c.Close()
			c = hold()
		}
	}
	c.SetReadDeadline(time.Time{})
	c.Write([]byte(body[10:]))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	n, _ := c.Read(buf)
	if !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 200")) {
		t.Errorf("the request that held the slot: %q", buf[:n])
	}
	if a := post(t, url, "", []byte(body)); a.status != 200 || a.Duplicates != 1 {
		t.Errorf("after the slot is free: %d %+v", a.status, a.Answer)
	}
}
