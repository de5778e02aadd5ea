// Package dashboards renders motcua's pages for leadership and unit heads:
// the overview of a period compared with the targets, a unit, a procedure
// and an official, the dossiers behind every figure, and a dossier's
// timeline; each page with tables also as XLSX and CSV. Handlers translate:
// they read the filter, ask the figures (Source) and render; counting stays
// in the warehouse and the domain.
package dashboards

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/dashboards/assets"
	"github.com/motcua/motcua/export"
)

// Source is what the pages read: the summary's counts, the dossiers behind
// a figure and a dossier's events.
type Source interface {
	Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error)
	Dossiers(ctx context.Context, q motcua.DossierQuery) ([]motcua.DossierRow, uint64, error)
	Events(ctx context.Context, dossierID string) ([]motcua.Event, error)
}

// Figures gives the catalogue and calendar in force, and how fresh the
// figures are: every event acknowledged before CompleteBefore is counted;
// while Refolding, the figures are being folded again under new rules.
type Figures interface {
	Catalog() *motcua.Catalog
	Calendar() *motcua.Calendar
	CompleteBefore() time.Time
	Refolding() (done, total int, ok bool)
}

// Config configures the pages.
type Config struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Status maps an error of the Source to an HTTP status, whether to
	// send Retry-After, and the message to show.
	Status func(err error) (code int, retry bool, msg string)
	Log    *slog.Logger
	// Reports makes the reports of /reports/; none without it.
	Reports Reports
}

// Dashboards serves the pages.
type Dashboards struct {
	src   Source
	fig   Figures
	cfg   Config
	pages map[string]*template.Template
}

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns the pages over src and fig.
func New(src Source, fig Figures, cfg Config) *Dashboards {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Status == nil {
		cfg.Status = func(error) (int, bool, string) {
			return http.StatusInternalServerError, false, "internal error; the log says more"
		}
	}
	d := &Dashboards{src: src, fig: fig, cfg: cfg, pages: map[string]*template.Template{}}
	for _, name := range []string{"overview", "unit", "procedure", "official", "dossiers", "dossier", "error", "report", "text"} {
		d.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return d
}

// RegisterStatic serves the script and styles of the pages under /static/,
// for everybody (the login page uses them too).
func (d *Dashboards) RegisterStatic(r gin.IRoutes) {
	static, _ := fs.Sub(staticFS, "static")
	r.StaticFS("/static/motcua", filesOnly{http.FS(static)})
	charts, _ := fs.Sub(assets.FS, "echarts")
	r.StaticFS("/static/echarts", filesOnly{http.FS(charts)})
}

// filesOnly serves files and no listing of a folder.
type filesOnly struct{ http.FileSystem }

func (f filesOnly) Open(name string) (http.File, error) {
	file, err := f.FileSystem.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

// Register adds the pages to r, which must put the logged-in user in each
// request's context (access.WithUser).
func (d *Dashboards) Register(r gin.IRoutes) {
	r.GET("/", d.overview)
	r.GET("/units/:code", d.unit)
	r.GET("/procedures/:code", d.procedure)
	r.GET("/officials/:code", d.official)
	r.GET("/dossiers", d.dossiers)
	r.GET("/dossiers/:id", d.dossier)
	if d.cfg.Reports != nil {
		r.GET("/reports/weekly", d.weekly)
		r.GET("/reports/form06", d.form06)
		r.GET("/reports/text", d.text)
	}
}

// page is what the layout shows around a page's own content.
type page struct {
	Title    string
	Nonce    string
	Path     string
	User     access.User
	Filter   Filter
	Lines    []string
	Fresh    string
	Picker   picker
	Charts   []chart
	Doc      *export.Doc
	View     any
	NoFilter bool // pages without the period picker (a dossier)

	Figure string // a dossier list's figure, kept by the picker

	query    url.Values // the request's query
	sortKey  string     // ?sort=: the column of the units' table to order by
	sortDesc bool       // ?dir=desc
}

// httpError is an error with the status the pages answer it with.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) error {
	return &httpError{http.StatusForbidden, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// user returns the logged-in user of the request.
func user(c *gin.Context) access.User {
	u, _ := access.UserFrom(c.Request.Context())
	return u
}

// start reads the filter of a page and checks that the user may see its
// unit; it answers the error itself and returns false on one.
func (d *Dashboards) start(c *gin.Context, p *page) bool {
	p.Nonce = nonce()
	p.Path = c.Request.URL.Path
	p.User = user(c)
	p.query = c.Request.URL.Query()
	p.Figure = c.Query("figure")
	cat := d.fig.Catalog()
	f, err := parseFilter(c.Request.URL.Query(), cat, d.cfg.Now())
	if err != nil {
		d.fail(c, p, badRequest("%v", strings.TrimPrefix(err.Error(), motcua.ErrInvalid.Error()+": ")))
		return false
	}
	if f.Unit != "" && !p.User.Sees(cat, f.Unit) {
		d.fail(c, p, forbidden("Bạn không có quyền xem số liệu của đơn vị %q.", f.Unit))
		return false
	}
	if o, ok := cat.Official(f.Official); ok && f.Official != "" && !p.User.Sees(cat, o.Unit) {
		d.fail(c, p, forbidden("Bạn không có quyền xem số liệu của công chức %q.", f.Official))
		return false
	}
	p.Filter = f
	p.sortKey, p.sortDesc = c.Query("sort"), c.Query("dir") != "asc"
	p.Lines = f.Describe(cat)
	p.Picker = newPicker(f, d.cfg.Now(), cat, p.User)
	p.Fresh = d.freshness()
	return true
}

// freshness says up to when the figures are complete.
func (d *Dashboards) freshness() string {
	t := d.fig.CompleteBefore()
	if t.IsZero() {
		return "Số liệu đang được cập nhật lần đầu; có thể chưa đủ."
	}
	fresh := "Số liệu cập nhật đến " + t.In(motcua.Location).Format("15:04:05 02/01/2006") + "."
	if done, total, ok := d.fig.Refolding(); ok {
		fresh += fmt.Sprintf(" Lịch làm việc hoặc thời hạn đã đổi: đang tính lại %s/%s hồ sơ; số liệu của các hồ sơ chưa tính lại theo lịch cũ.",
			motcua.FormatCount(uint64(done)), motcua.FormatCount(uint64(total)))
	}
	return fresh
}

// render writes a page, or its export when ?format= asks for one.
func (d *Dashboards) render(c *gin.Context, name string, p *page) {
	if format := c.Query("format"); format != "" && p.Doc != nil {
		d.export(c, p, format)
		return
	}
	setSecurityHeaders(c, p.Nonce)
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := d.pages[name].ExecuteTemplate(c.Writer, "layout", p); err != nil {
		d.cfg.Log.Error("cannot render a page", "page", name, "err", err)
	}
}

// fail answers err as a page in Vietnamese with its status.
func (d *Dashboards) fail(c *gin.Context, p *page, err error) {
	code, retry, msg := http.StatusInternalServerError, false, ""
	var he *httpError
	if errors.As(err, &he) {
		code, msg = he.code, he.msg
	} else {
		code, retry, msg = d.cfg.Status(err)
	}
	if code >= 500 {
		d.cfg.Log.Warn("page failed", "path", c.Request.URL.Path, "status", code, "err", err)
	}
	if retry {
		c.Header("Retry-After", "5")
	}
	if p.Nonce == "" {
		p.Nonce = nonce()
	}
	p.Title = http.StatusText(code)
	p.View = struct {
		Code    int
		Message string
	}{code, msg}
	p.NoFilter = true
	setSecurityHeaders(c, p.Nonce)
	c.Status(code)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := d.pages["error"].ExecuteTemplate(c.Writer, "layout", p); err != nil {
		d.cfg.Log.Error("cannot render an error page", "err", err)
	}
}

// setSecurityHeaders sends the page's Content-Security-Policy: scripts and
// styles only from motcua itself (and the page's nonce), no other host, no
// framing.
func setSecurityHeaders(c *gin.Context, nonce string) {
	c.Header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; "+
		"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("Cache-Control", "no-store")
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}
