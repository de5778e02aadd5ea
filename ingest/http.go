package ingest

import (
	"compress/gzip"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/ndjson"
)

// Config sets the limits and the sources of the events endpoint.
type Config struct {
	// Tokens maps a bearer token to the source it authenticates.
	Tokens map[string]string
	// MaxBody caps the request body as sent (compressed or not), in bytes.
	MaxBody int64
	// MaxUncompressed caps a gzip body once inflated, in bytes.
	MaxUncompressed int64
	// MaxLine caps one NDJSON line, in bytes.
	MaxLine int
	// MaxErrors caps the field errors returned for one request.
	MaxErrors int
	// MaxEvents caps the lines (events, valid or not) of one request: the
	// read stops with 413 as soon as the count passes it, so that the events
	// a request holds in memory are bounded whatever the body.
	MaxEvents int
	// MaxConcurrent caps the requests being read or stored at once; past it
	// a request is answered 503 with Retry-After at once, never queued.
	// With MaxEvents it bounds the memory that ingest takes.
	MaxConcurrent int
}

// DefaultConfig returns the limits used unless configured otherwise.
//
// MaxUncompressed is 64 MiB: 100,000 events of the contract take 20 to 40 MB
// as NDJSON, so a larger inflated body cannot be a valid batch, and the cap
// bounds the time a request can spend inflating a gzip bomb. Memory does
// not depend on it (the body is read as a stream); it depends on MaxEvents
// and MaxConcurrent.
func DefaultConfig() Config {
	return Config{MaxBody: 32 << 20, MaxUncompressed: 64 << 20, MaxLine: ndjson.DefaultMaxLine, MaxErrors: 1000,
		MaxEvents: 100_000, MaxConcurrent: 16}
}

// Handler serves POST /api/v1/events.
type Handler struct {
	cfg       Config
	committer *Committer
	catalog   func() *motcua.Catalog
	metrics   *Metrics
	log       *slog.Logger
	slots     chan struct{}
}

// NewHandler returns the events endpoint; catalog returns the current
// catalogue to validate against.
func NewHandler(cfg Config, c *Committer, catalog func() *motcua.Catalog, m *Metrics, log *slog.Logger) *Handler {
	d := DefaultConfig()
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = d.MaxBody
	}
	if cfg.MaxUncompressed <= 0 {
		cfg.MaxUncompressed = d.MaxUncompressed
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = d.MaxLine
	}
	if cfg.MaxErrors <= 0 {
		cfg.MaxErrors = d.MaxErrors
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = d.MaxEvents
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = d.MaxConcurrent
	}
	return &Handler{cfg: cfg, committer: c, catalog: catalog, metrics: m, log: log, slots: make(chan struct{}, cfg.MaxConcurrent)}
}

// Answer is the JSON body of every answer of the events endpoint.
type Answer struct {
	Accepted   int                 `json:"accepted"`
	Duplicates int                 `json:"duplicates"`
	Rejected   int                 `json:"rejected"`
	Errors     []motcua.FieldError `json:"errors,omitempty"`
	// MoreErrors counts the errors left out of Errors past the cap.
	MoreErrors int    `json:"more_errors,omitempty"`
	Error      string `json:"error,omitempty"`
}

// source returns the source that the request's bearer token authenticates.
func (h *Handler) source(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		return "", false
	}
	for t, src := range h.cfg.Tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			return src, true
		}
	}
	return "", false
}

// Post handles POST /api/v1/events[?partial=true].
func (h *Handler) Post(c *gin.Context) {
	src, ok := h.source(c.Request)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="motcua"`)
		c.JSON(http.StatusUnauthorized, Answer{Error: "missing or unknown bearer token: send Authorization: Bearer TOKEN with a token configured for your source"})
		return
	}
	c.Set("source", src) // for the access log
	partial := c.Query("partial") == "true" || c.Query("partial") == "1"
	cat := h.catalog()
	if cat == nil {
		c.Header("Retry-After", "5")
		c.JSON(http.StatusServiceUnavailable, Answer{Error: "no catalogue is loaded yet; try again shortly"})
		return
	}
	enc := strings.ToLower(strings.TrimSpace(c.GetHeader("Content-Encoding")))
	if enc != "" && enc != "identity" && enc != "gzip" {
		c.JSON(http.StatusUnsupportedMediaType, Answer{Error: fmt.Sprintf("cannot read Content-Encoding %q: send gzip or identity", c.GetHeader("Content-Encoding"))})
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		c.Header("Retry-After", "1")
		c.JSON(http.StatusServiceUnavailable, Answer{Error: fmt.Sprintf("%d requests are being stored already, the most taken at once; nothing was stored; retry shortly", h.cfg.MaxConcurrent)})
		return
	}
	var body io.Reader = http.MaxBytesReader(c.Writer, c.Request.Body, h.cfg.MaxBody)
	if enc == "gzip" {
		gz, err := gzip.NewReader(body)
		if err != nil {
			h.readError(c, err)
			return
		}
		defer gz.Close()
		body = &limitedReader{r: gz, n: h.cfg.MaxUncompressed}
	}

	var ans Answer
	var evs []motcua.Event
	err := ndjson.Read(body, h.cfg.MaxLine, cat, func(line int, e motcua.Event, errs []motcua.FieldError) error {
		if ans.Rejected+len(evs) >= h.cfg.MaxEvents {
			return errTooManyEvents
		}
		if errs != nil {
			ans.Rejected++
			for _, fe := range errs {
				if len(ans.Errors) < h.cfg.MaxErrors {
					ans.Errors = append(ans.Errors, fe)
				} else {
					ans.MoreErrors++
				}
			}
			return nil
		}
		e.Source = src
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		h.readError(c, err)
		return
	}
	if ans.Rejected > 0 {
		h.metrics.Events.WithLabelValues(src, "rejected").Add(float64(ans.Rejected))
	}
	if ans.Rejected > 0 && !partial {
		ans.Error = fmt.Sprintf("%d of %d lines are invalid; nothing was stored (send ?partial=true to store the valid lines)", ans.Rejected, ans.Rejected+len(evs))
		c.JSON(http.StatusBadRequest, ans)
		return
	}
	if len(evs) == 0 && ans.Rejected == 0 {
		c.JSON(http.StatusBadRequest, Answer{Error: "the body holds no events: send one JSON event per line (NDJSON)"})
		return
	}
	res, err := h.committer.Commit(c.Request.Context(), evs)
	if err != nil {
		h.log.Warn("cannot store events", "source", src, "events", len(evs), "err", err)
		c.Header("Retry-After", "5")
		status := http.StatusServiceUnavailable
		msg := "the warehouse cannot store events right now; nothing was stored; retry the same batch later"
		if !errors.Is(err, ErrStopped) && !errors.Is(err, motcua.ErrUnavailable) {
			status, msg = http.StatusInternalServerError, "cannot store events; nothing was stored"
		}
		c.JSON(status, Answer{Error: msg, Rejected: ans.Rejected})
		return
	}
	h.metrics.Events.WithLabelValues(src, "accepted").Add(float64(res.Accepted))
	h.metrics.Events.WithLabelValues(src, "duplicate").Add(float64(res.Duplicates))
	ans.Accepted, ans.Duplicates = res.Accepted, res.Duplicates
	c.JSON(http.StatusOK, ans)
}

func (h *Handler) readError(c *gin.Context, err error) {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		c.Header("Connection", "close")
		c.JSON(http.StatusRequestTimeout, Answer{Error: "the body came too slowly: the server's read timeout passed before its end; nothing was stored"})
	case errors.As(err, &mbe):
		c.JSON(http.StatusRequestEntityTooLarge, Answer{Error: fmt.Sprintf("the body is larger than %d bytes; send smaller batches", h.cfg.MaxBody)})
	case errors.Is(err, errTooManyEvents):
		c.JSON(http.StatusRequestEntityTooLarge, Answer{Error: fmt.Sprintf("the body holds more than %d events, the most one request takes; nothing was stored; send smaller batches", h.cfg.MaxEvents)})
	case errors.Is(err, errTooLarge):
		c.JSON(http.StatusRequestEntityTooLarge, Answer{Error: fmt.Sprintf("the body inflates to more than %d bytes; send smaller batches", h.cfg.MaxUncompressed)})
	case errors.Is(err, ndjson.ErrLineTooLong):
		c.JSON(http.StatusRequestEntityTooLarge, Answer{Error: err.Error() + "; an event is far smaller: is this NDJSON?"})
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF):
		c.JSON(http.StatusBadRequest, Answer{Error: "cannot read the gzip body: " + err.Error()})
	default:
		c.JSON(http.StatusBadRequest, Answer{Error: "cannot read the body: " + err.Error()})
	}
}

var (
	errTooLarge      = errors.New("inflated body too large")
	errTooManyEvents = errors.New("too many events")
)

type limitedReader struct {
	r io.Reader
	n int64
}

// Read reads until the limit, then fails with errTooLarge.
func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
