package server

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// limitListener caps the open connections: past the cap, a new connection is
// closed at once, so that Accept never blocks and the kernel's backlog never
// fills with connections nobody will serve.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	refused prometheus.Counter
}

func newLimitListener(l net.Listener, max int, reg prometheus.Registerer) *limitListener {
	ll := &limitListener{
		Listener: l,
		slots:    make(chan struct{}, max),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "motcua_http_connections_refused_total",
			Help: "Connections closed at once because the open connections were at the cap.",
		}),
	}
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "motcua_http_connections_open",
		Help: "Open HTTP connections.",
	}, func() float64 { return float64(len(ll.slots)) })
	reg.MustRegister(ll.refused, open)
	return ll
}

// Accept returns the next connection under the cap, closing those past it.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.refused.Inc()
			c.Close()
		}
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// closeUnread makes sure a request body the handler left unread costs
// nothing more: the answer says Connection: close, and the connection stops
// reading at once. Without it, net/http reads up to 256 KiB of the rest of
// the body, at the client's pace, before it closes or reuses the connection,
// so that a client without a token could hold a connection by sending a byte
// now and then after its 401.
func closeUnread(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		b := &trackedBody{ReadCloser: r.Body, size: r.ContentLength}
		r.Body = b
		cw := &closeWriter{ResponseWriter: w, body: b}
		next.ServeHTTP(cw, r)
		if !b.done() {
			if !cw.wrote {
				cw.Header().Set("Connection", "close")
			}
			// The answer is buffered and goes out before net/http closes the
			// body; the deadline only stops it from waiting for the rest.
			http.NewResponseController(w).SetReadDeadline(time.Now())
		}
	})
}

// trackedBody knows whether the body was read to its end.
type trackedBody struct {
	io.ReadCloser
	size int64 // -1 when unknown (chunked)
	read int64
	eof  bool
}

// Read reads from the body, counting.
func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *trackedBody) done() bool { return b.eof || b.size >= 0 && b.read >= b.size }

// closeWriter adds Connection: close to an answer that starts while the body
// is not read to its end.
type closeWriter struct {
	http.ResponseWriter
	body  *trackedBody
	wrote bool
}

func (w *closeWriter) check() {
	if !w.wrote {
		w.wrote = true
		if !w.body.done() {
			w.Header().Set("Connection", "close")
		}
	}
}

// WriteHeader writes the status, with Connection: close when the body is unread.
func (w *closeWriter) WriteHeader(code int) {
	if code >= 200 {
		w.check()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the answer, with Connection: close when the body is unread.
func (w *closeWriter) Write(p []byte) (int, error) {
	w.check()
	return w.ResponseWriter.Write(p)
}

// Flush sends what is buffered.
func (w *closeWriter) Flush() {
	w.check()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *closeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
