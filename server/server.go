// Package server is motcua's HTTP service: ingest, the catalogue API, health,
// readiness and metrics, and, as they come, the dashboards. It runs in one
// process with New, Start and Stop, so tests run it whole on :0.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest"
)

// Warehouse is what the server needs of the warehouse.
type Warehouse interface {
	ingest.Store
	FactStore
	Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error)
	Ping(ctx context.Context) error
	Pending(ctx context.Context) ([]string, error)
	Catalog(ctx context.Context) (*motcua.Catalog, error)
}

// Config configures the server.
type Config struct {
	Listen string // HOST:PORT; default 127.0.0.1:8080
	Ingest ingest.Config
	// WorkingHours are the sessions of a working day; DefaultSessions when empty.
	WorkingHours []motcua.Session
	// CatalogRefresh is how often the catalogue is read again from the
	// warehouse, to pick up `motcua catalog load`; default one minute.
	CatalogRefresh time.Duration

	// ReadHeaderTimeout bounds the reading of a request's headers; default
	// 10 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request, body included;
	// default 5 minutes, time for a 32 MiB body at about 1 Mbit/s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer, so it covers the body, the work and the answer; default
	// ReadTimeout plus one minute.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive
	// connection; default 60 s.
	IdleTimeout time.Duration
	// MaxConns caps the open connections; a connection past the cap is
	// closed at once. Default DefaultMaxConns.
	MaxConns int
	// MaxSummaries caps the summaries computed at once; default 4. A
	// summary past it waits SummaryWait (default 5 s) for a slot, then is
	// answered 503 with Retry-After.
	MaxSummaries int
	SummaryWait  time.Duration
}

// DefaultMaxConns is the cap on open connections unless configured otherwise.
const DefaultMaxConns = 10_000

// Server is a running motcua service.
type Server struct {
	cfg       Config
	wh        Warehouse
	log       *slog.Logger
	reg       *prometheus.Registry
	cur       atomic.Pointer[current]
	committer *ingest.Committer
	facts     *refresher
	http      *http.Server
	ln        net.Listener
	stop      chan struct{}
	wg        sync.WaitGroup
	summaries chan struct{} // a slot per summary being computed
}

// New returns a server over wh; Start starts it.
func New(cfg Config, wh Warehouse, log *slog.Logger) *Server {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	if cfg.CatalogRefresh <= 0 {
		cfg.CatalogRefresh = time.Minute
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = cfg.ReadTimeout + time.Minute
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 60 * time.Second
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxSummaries <= 0 {
		cfg.MaxSummaries = 4
	}
	if cfg.SummaryWait <= 0 {
		cfg.SummaryWait = 5 * time.Second
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Server{cfg: cfg, wh: wh, log: log, reg: reg, stop: make(chan struct{}), summaries: make(chan struct{}, cfg.MaxSummaries)}
}

// Start reads the catalogue, starts ingest and listens.
func (s *Server) Start(ctx context.Context) error {
	if err := s.refreshCatalog(ctx); err != nil {
		return err
	}
	if s.cur.Load() == nil {
		return errors.New("cannot start: no catalogue is loaded; run `motcua catalog load DIR` first")
	}
	m := ingest.NewMetrics(s.reg)
	s.facts = newRefresher(s.wh, s.cur.Load, func(msg string, args ...any) { s.log.Warn(msg, args...) }, s.reg)
	s.committer = ingest.NewCommitter(s.wh, m, 100_000)
	s.committer.Committed = s.facts.mark
	s.committer.Start()

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(accessLog(s.log), gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})))
	api := r.Group("/api/v1")
	api.POST("/events", ingest.NewHandler(s.cfg.Ingest, s.committer, s.catalogue, m, s.log).Post)
	api.GET("/summary", s.summary)
	api.GET("/units", s.units)
	api.GET("/procedures", s.procedures)
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": fmt.Sprintf("no such page: %s %s", c.Request.Method, c.Request.URL.Path)})
	})

	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		s.committer.Stop()
		return fmt.Errorf("cannot listen on %q: %w", s.cfg.Listen, err)
	}
	s.ln = newLimitListener(ln, s.cfg.MaxConns, s.reg)
	s.http = &http.Server{
		Handler:           closeUnread(r),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.facts.run(s.stop) }()
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	go s.refreshLoop()
	return nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop stops taking requests, lets those under way finish, and stops ingest.
func (s *Server) Stop(ctx context.Context) error {
	close(s.stop)
	err := s.http.Shutdown(ctx)
	s.committer.Stop()
	s.wg.Wait()
	return err
}

func (s *Server) refreshLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.CatalogRefresh)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := s.refreshCatalog(ctx); err != nil {
				s.log.Warn("cannot refresh the catalogue; keeping the one in memory", "err", err)
			}
			cancel()
		}
	}
}

func (s *Server) refreshCatalog(ctx context.Context) error {
	c, err := s.wh.Catalog(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		s.cur.Store(&current{cat: c, cal: motcua.NewCalendar(c.Days, s.cfg.WorkingHours...)})
	}
	return nil
}

// current is the catalogue in force and its working-day calendar.
type current struct {
	cat *motcua.Catalog
	cal *motcua.Calendar
}

func (s *Server) catalogue() *motcua.Catalog {
	if c := s.cur.Load(); c != nil {
		return c.cat
	}
	return nil
}

// Flush brings the dossier figures up to date with every event stored so
// far through this server, and returns when they are.
func (s *Server) Flush(ctx context.Context) error { return s.facts.flush(ctx) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	if err := s.wh.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": err.Error()})
		return
	}
	pending, err := s.wh.Pending(ctx)
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": err.Error()})
		return
	}
	if len(pending) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{"ready": false, "reason": "migrations not applied", "pending": pending})
		return
	}
	c.JSON(http.StatusOK, gin.H{"ready": true})
}

func (s *Server) units(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"units": s.catalogue().Units})
}

func (s *Server) procedures(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"procedures": s.catalogue().Procedures})
}
