package server

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
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/ingest/ndjson"
)

// eventsHandler serves POST /api/v1/events: it reads the body, has the
// committer store the events, and answers.
type eventsHandler struct {
	cfg       ingest.Config
	committer *ingest.Committer
	catalog   func() *motcua.Catalog
	metrics   *ingest.Metrics
	log       *slog.Logger
	slots     chan struct{}
}

// newEventsHandler returns the events endpoint; catalog returns the current
// catalogue to validate against.
func newEventsHandler(cfg ingest.Config, c *ingest.Committer, catalog func() *motcua.Catalog, m *ingest.Metrics, log *slog.Logger) *eventsHandler {
	d := ingest.DefaultConfig()
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
	return &eventsHandler{cfg: cfg, committer: c, catalog: catalog, metrics: m, log: log, slots: make(chan struct{}, cfg.MaxConcurrent)}
}

// source returns the source that the request's bearer token authenticates.
func (h *eventsHandler) source(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" { // the scheme is case-insensitive (RFC 7235)
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
func (h *eventsHandler) Post(c *gin.Context) {
	src, ok := h.source(c.Request)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="motcua"`)
		c.JSON(http.StatusUnauthorized, ingest.Answer{Error: "missing or unknown bearer token: send Authorization: Bearer TOKEN with a token configured for your source"})
		return
	}
	c.Set("source", src) // for the access log
	partial := c.Query("partial") == "true" || c.Query("partial") == "1"
	cat := h.catalog()
	if cat == nil {
		c.Header("Retry-After", "5")
		c.JSON(http.StatusServiceUnavailable, ingest.Answer{Error: "no catalogue is loaded yet; try again shortly"})
		return
	}
	enc := strings.ToLower(strings.TrimSpace(c.GetHeader("Content-Encoding")))
	if enc != "" && enc != "identity" && enc != "gzip" {
		c.JSON(http.StatusUnsupportedMediaType, ingest.Answer{Error: fmt.Sprintf("cannot read Content-Encoding %q: send gzip or identity", c.GetHeader("Content-Encoding"))})
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		c.Header("Retry-After", "1")
		c.JSON(http.StatusServiceUnavailable, ingest.Answer{Error: fmt.Sprintf("%d requests are being stored already, the most taken at once; nothing was stored; retry shortly", h.cfg.MaxConcurrent)})
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

	var ans ingest.Answer
	var evs []motcua.Event
	var lines []int
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
		lines = append(lines, line)
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
		c.JSON(http.StatusBadRequest, ingest.Answer{Error: "the body holds no events: send one JSON event per line (NDJSON)"})
		return
	}
	res, err := h.committer.Commit(c.Request.Context(), evs)
	if err != nil {
		h.log.Warn("cannot store events", "source", src, "events", len(evs), "err", err)
		code, retry, _ := status(err)
		if retry {
			c.Header("Retry-After", "5")
		}
		msg := "the warehouse cannot store events right now; nothing was stored; retry the same batch later"
		if errors.Is(err, motcua.ErrPartlyStored) {
			msg = "the warehouse failed while storing this batch, so part of it may be stored; resend the same batch: " +
				"events stored already are recognised and not stored twice"
		}
		c.JSON(code, ingest.Answer{Error: msg, Rejected: ans.Rejected})
		return
	}
	h.metrics.Events.WithLabelValues(src, "accepted").Add(float64(res.Accepted))
	h.metrics.Events.WithLabelValues(src, "duplicate").Add(float64(res.Duplicates))
	h.metrics.Events.WithLabelValues(src, "conflict").Add(float64(len(res.Conflicts)))
	ans.Accepted, ans.Duplicates, ans.Conflicts = res.Accepted, res.Duplicates, len(res.Conflicts)
	for _, i := range res.Conflicts {
		if len(ans.Conflicting) == h.cfg.MaxErrors {
			break
		}
		ans.Conflicting = append(ans.Conflicting, motcua.FieldError{Line: lines[i], Field: "event_id",
			Reason: fmt.Sprintf("event %q of source %q has other content than the one stored before or earlier in this batch; this one is not stored", evs[i].EventID, src)})
	}
	c.JSON(http.StatusOK, ans)
}

func (h *eventsHandler) readError(c *gin.Context, err error) {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		c.Header("Connection", "close")
		c.JSON(http.StatusRequestTimeout, ingest.Answer{Error: "the body came too slowly: the server's read timeout passed before its end; nothing was stored"})
	case errors.As(err, &mbe):
		c.JSON(http.StatusRequestEntityTooLarge, ingest.Answer{Error: fmt.Sprintf("the body is larger than %d bytes; send smaller batches", h.cfg.MaxBody)})
	case errors.Is(err, errTooManyEvents):
		c.JSON(http.StatusRequestEntityTooLarge, ingest.Answer{Error: fmt.Sprintf("the body holds more than %d events, the most one request takes; nothing was stored; send smaller batches", h.cfg.MaxEvents)})
	case errors.Is(err, errTooLarge):
		c.JSON(http.StatusRequestEntityTooLarge, ingest.Answer{Error: fmt.Sprintf("the body inflates to more than %d bytes; send smaller batches", h.cfg.MaxUncompressed)})
	case errors.Is(err, ndjson.ErrLineTooLong):
		c.JSON(http.StatusRequestEntityTooLarge, ingest.Answer{Error: err.Error() + "; an event is far smaller: is this NDJSON?"})
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF):
		c.JSON(http.StatusBadRequest, ingest.Answer{Error: "cannot read the gzip body: " + err.Error()})
	default:
		c.JSON(http.StatusBadRequest, ingest.Answer{Error: "cannot read the body: " + err.Error()})
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
