// Package server is motcua's HTTP service: ingest, the catalogue API, health,
// readiness and metrics, and, as they come, the dashboards. It runs in one
// process with New, Start and Stop, so tests run it whole on :0.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/alerts"
	"github.com/motcua/motcua/dashboards"
	"github.com/motcua/motcua/export"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/reports"
)

// Warehouse is what the server needs of the warehouse.
type Warehouse interface {
	ingest.Store
	figures.Store
	alerts.Store
	reports.DeliveryLog
	Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error)
	Events(ctx context.Context, dossierID string) ([]motcua.Event, error)
	Dossiers(ctx context.Context, q motcua.DossierQuery) ([]motcua.DossierRow, uint64, error)
	Ping(ctx context.Context) error
	Pending(ctx context.Context) ([]string, error)
}

// Config configures the server.
type Config struct {
	Listen string // HOST:PORT; default 127.0.0.1:8080
	Ingest ingest.Config
	// Figures configures the catalogue refresh and the figures' catch-up.
	Figures figures.Config

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

	// Alerts, when it has senders, runs the deadline alerts beside the
	// service, on the figures it keeps up to date.
	Alerts       alerts.Config
	AlertSenders []notify.Sender
	// Deliveries configures the scheduled reports, sent through the first
	// of AlertSenders.
	Deliveries reports.DeliveryConfig

	// Users are the readers who may log in; nil lets nobody read.
	Users *access.Users
	// SessionKey signs the session cookies, MinSessionKey bytes at least.
	// Without one, a random key is made at New: sessions then end when the
	// process does.
	SessionKey []byte
	// SessionTTL is how long a session lasts; default DefaultSessionTTL.
	SessionTTL time.Duration
}

// DefaultMaxConns is the cap on open connections unless configured otherwise.
const DefaultMaxConns = 10_000

// Server is a running motcua service.
type Server struct {
	cfg       Config
	wh        Warehouse
	log       *slog.Logger
	reg       *prometheus.Registry
	fig       *figures.Figures
	alerter   *alerts.Alerter
	deliverer *reports.Deliverer
	committer *ingest.Committer
	http      *http.Server
	ln        net.Listener
	stop      chan struct{}
	wg        sync.WaitGroup
	summaries chan struct{} // a slot per summary being computed
	sessions  *sessions
	limits    *limiter
	verified  *verified
	// pages is the route group of the pages, which need a logged-in user;
	// the handlers read the user with access.UserFrom(c.Request.Context()).
	pages *gin.RouterGroup
}

// New returns a server over wh; Start starts it.
func New(cfg Config, wh Warehouse, log *slog.Logger) *Server {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
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
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if len(cfg.SessionKey) == 0 {
		cfg.SessionKey = []byte(rand.Text() + rand.Text()) // 2 x 128 bits
		log.Info("no session key is configured: a random one is used, so sessions end when the process restarts; set serve.session_key_file to keep them")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Server{cfg: cfg, wh: wh, log: log, reg: reg, stop: make(chan struct{}),
		fig: figures.New(wh, cfg.Figures, log, reg), summaries: make(chan struct{}, cfg.MaxSummaries),
		sessions: &sessions{key: cfg.SessionKey, ttl: cfg.SessionTTL, users: cfg.Users}, limits: newLimiter(), verified: newVerified()}
}

// Start reads the catalogue, checks the users' units against it, starts
// ingest and the figures (which fold every dossier again if the rules
// changed), and listens.
func (s *Server) Start(ctx context.Context) error {
	if len(s.cfg.SessionKey) < MinSessionKey {
		return fmt.Errorf("cannot sign sessions with a key of %d bytes: want %d at least", len(s.cfg.SessionKey), MinSessionKey)
	}
	if err := s.fig.Open(ctx); err != nil {
		return err
	}
	if s.cfg.Users == nil {
		s.log.Warn("no users are configured: nobody can log in, read the API or see a page; give a users file with --users")
	} else if err := s.cfg.Users.CheckUnits(s.fig.Catalog()); err != nil {
		return err
	}
	m := ingest.NewMetrics(s.reg)
	s.committer = ingest.NewCommitter(s.wh, m, 100_000)
	if s.cfg.Ingest.InsertTimeout > 0 {
		s.committer.InsertTimeout = s.cfg.Ingest.InsertTimeout
	}
	s.committer.Committed = s.fig.Mark
	s.committer.Start()

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(accessLog(s.log), gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.HEAD("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})))
	r.GET("/login", s.loginForm)
	r.POST("/login", s.loginPost)
	r.POST("/logout", s.logout)
	api := r.Group("/api/v1")
	// Ingest takes its bearer tokens only; the reads take a user.
	api.POST("/events", newEventsHandler(s.cfg.Ingest, s.committer, s.fig.Catalog, m, s.log).Post)
	reads := api.Group("", s.reader, func(c *gin.Context) {
		// Answers about dossiers and units: not kept by browsers or proxies.
		c.Header("Cache-Control", "no-store")
		c.Header("X-Content-Type-Options", "nosniff")
	})
	reads.GET("/summary", s.summary)
	reads.GET("/units", s.units)
	reads.GET("/procedures", s.procedures)
	reads.GET("/calendar", s.calendar)
	reads.GET("/dossiers/:id", s.dossier)

	// The pages: their script and styles for everybody (the login form
	// uses the styles too), the pages for logged-in users; a page without
	// a session is redirected to /login and back.
	dash := dashboards.New(pageSource{s}, s.fig, dashboards.Config{Status: status, Log: s.log, Reports: pageReports{s}})
	dash.RegisterStatic(r)
	s.pages = r.Group("/", s.session)
	dash.Register(s.pages)

	r.NoRoute(func(c *gin.Context) {
		if isPage(c.Request) {
			// Whether a page exists is for logged-in users to learn.
			if _, ok := s.sessions.user(c.Request, time.Now()); !ok {
				s.toLogin(c)
				return
			}
		}
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
	s.fig.Start()
	if len(s.cfg.AlertSenders) > 0 {
		acfg := s.cfg.Alerts
		if acfg.Log == nil {
			acfg.Log = s.log.With("component", "alerts")
		}
		s.alerter = alerts.New(s.wh, s.fig, s.cfg.AlertSenders, acfg, s.reg)
		s.alerter.Start()
		dcfg := s.cfg.Deliveries
		if dcfg.Log == nil {
			dcfg.Log = s.log.With("component", "reports")
		}
		s.deliverer = reports.NewDeliverer(pageSource{s}, s.wh, s.fig, s.cfg.AlertSenders[0], dcfg)
		s.deliverer.Start()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop stops taking requests, lets those under way finish, and stops ingest.
func (s *Server) Stop(ctx context.Context) error {
	close(s.stop)
	err := s.http.Shutdown(ctx)
	if s.alerter != nil {
		s.alerter.Stop()
		s.deliverer.Stop()
	}
	s.committer.Stop()
	s.fig.Stop()
	s.wg.Wait()
	return err
}

// Flush brings the dossier figures up to date with every event stored so
// far through this server, and returns when they are.
func (s *Server) Flush(ctx context.Context) error { return s.fig.Flush(ctx) }

// Figures returns the catalogue in force and the figures that the server
// keeps up to date.
func (s *Server) Figures() *figures.Figures { return s.fig }

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
	// Ready to take events either way; figures says whether they are complete.
	c.JSON(http.StatusOK, gin.H{"ready": true, "figures": s.fig.Status()})
}

func (s *Server) units(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"units": s.fig.Catalog().Units})
}

func (s *Server) procedures(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"procedures": s.fig.Catalog().Procedures})
}

// calendar serves GET /api/v1/calendar: the working hours and the days off
// and swapped working days that due dates are counted with.
func (s *Server) calendar(c *gin.Context) {
	cat := s.fig.Catalog()
	c.JSON(http.StatusOK, gin.H{"working_hours": cat.WorkingHours(), "days": cat.Days, "fingerprint": cat.RulesFingerprint()})
}

// DossierAnswer is the body of GET /api/v1/dossiers/{id}: a dossier folded
// from its events with the catalogue and calendar in force.
type DossierAnswer struct {
	ID           string         `json:"id"`
	Unit         string         `json:"unit"`
	HandlingUnit string         `json:"handling_unit"`
	Procedure    string         `json:"procedure"`
	Official     string         `json:"official,omitempty"`
	Channel      motcua.Channel `json:"channel,omitempty"`
	ReceivedAt   time.Time      `json:"received_at,omitzero"`
	DueAt        time.Time      `json:"due_at,omitzero"`
	DueComputed  bool           `json:"due_computed"`
	ResolvedAt   time.Time      `json:"resolved_at,omitzero"`
	Outcome      motcua.Outcome `json:"outcome,omitempty"`
	State        motcua.State   `json:"state"`
	Events       []motcua.Event `json:"events"`
}

// dossier serves GET /api/v1/dossiers/{id}.
func (s *Server) dossier(c *gin.Context) {
	id := c.Param("id")
	if utf8.RuneCountInString(id) > motcua.MaxDossierIDLen {
		badRequest(c, "a dossier id has %d characters at most", motcua.MaxDossierIDLen)
		return
	}
	evs, err := pageSource{s}.Events(c.Request.Context(), id)
	if errors.Is(err, motcua.ErrBusy) {
		s.fail(c, err)
		return
	}
	if err != nil {
		s.log.Warn("cannot read a dossier", "dossier", id, "err", err)
		c.Header("Retry-After", "5")
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "cannot read the dossier now; try again shortly"})
		return
	}
	if len(evs) == 0 {
		c.JSON(http.StatusNotFound, gin.H{"error": fmt.Sprintf("no dossier %q: no event of it is stored", id)})
		return
	}
	cat, cal := s.fig.Catalog(), s.fig.Calendar()
	d := motcua.Fold(evs, cal, func(code string) (float64, bool) {
		p, ok := cat.Procedure(code)
		return p.ProcessingDays(), ok
	})
	// A head sees the dossiers that their subtree received or handles now.
	if u := userOf(c); !u.Sees(cat, d.Unit) && !u.Sees(cat, d.HandlingUnit) {
		s.fail(c, fmt.Errorf("%w: dossier %q was received by unit %q and is handled by %q, both outside what %q may see (unit %q and the units under it)",
			access.ErrForbidden, id, d.Unit, d.HandlingUnit, u.Login, u.Unit))
		return
	}
	u, _ := cat.Unit(d.HandlingUnit)
	c.JSON(http.StatusOK, DossierAnswer{ID: d.ID, Unit: d.Unit, HandlingUnit: d.HandlingUnit, Procedure: d.Procedure,
		Official: d.Official, Channel: d.Channel, ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, DueComputed: d.DueComputed,
		ResolvedAt: d.ResolvedAt, Outcome: d.Outcome(), Events: evs,
		State: d.StateAt(time.Now(), cal, time.Duration(u.AlertWindowHours*float64(time.Hour)))})
}

// pageSource is what the pages read: summaries through the server's slots,
// dossier lists and events from the warehouse.
type pageSource struct{ s *Server }

func (p pageSource) Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	return p.s.runSummary(ctx, q)
}

func (p pageSource) Dossiers(ctx context.Context, q motcua.DossierQuery) (rows []motcua.DossierRow, n uint64, err error) {
	err = p.s.inSlot(ctx, "the dossier list", func() error {
		rows, n, err = p.s.wh.Dossiers(ctx, q)
		return err
	})
	return rows, n, err
}

func (p pageSource) Events(ctx context.Context, id string) (evs []motcua.Event, err error) {
	err = p.s.inSlot(ctx, "the dossier", func() error {
		evs, err = p.s.wh.Events(ctx, id)
		return err
	})
	return evs, err
}

// pageReports makes the reports of the pages from the figures.
type pageReports struct{ s *Server }

func (r pageReports) Weekly(ctx context.Context, week, unit string) (*export.Doc, error) {
	w := reports.LastCompleteWeek(time.Now())
	if week != "" {
		var err error
		if w, err = reports.ParseWeek(week); err != nil {
			return nil, err
		}
	}
	rep, err := reports.BuildWeekly(ctx, pageSource(r), r.s.fig.Catalog(), r.s.fig.Calendar(), w, unit)
	if err != nil {
		return nil, err
	}
	return rep.Doc("Báo cáo tiếp nhận hồ sơ trực tuyến theo tuần"), nil
}

// successors maps the merged units to today's when current is set.
func (r pageReports) successors(current bool) map[string]string {
	if !current {
		return nil
	}
	return r.s.fig.Catalog().Successors(time.Now())
}

func (r pageReports) Form06(ctx context.Context, p motcua.Period, unit string, current bool) (*export.Doc, error) {
	f, err := reports.BuildForm06(ctx, pageSource(r), r.s.fig.Catalog(), p, unit, r.successors(current))
	if err != nil {
		return nil, err
	}
	u, _ := r.s.fig.Catalog().Unit(unit)
	return f.Doc(u.Name), nil
}

func (r pageReports) Text(ctx context.Context, p motcua.Period, unit string, current bool) (string, []string, error) {
	t, err := reports.BuildText(ctx, pageSource(r), r.s.fig.Catalog(), p, unit, r.successors(current))
	if err != nil {
		return "", nil, err
	}
	pars := t.Paragraphs
	if t.Rating != "" {
		pars = append([]string{t.Rating}, pars...)
	}
	return "Kết quả giải quyết thủ tục hành chính: " + t.Period, append(pars, t.Note), nil
}
