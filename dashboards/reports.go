package dashboards

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// Reports makes the reports that the pages under /reports/ show: the
// weekly online intake of a week (ISO, such as 2024-W10; empty: the last
// complete week), form 06 and the report text of a period; for unit and its
// subtree, or every unit when empty.
type Reports interface {
	Weekly(ctx context.Context, week, unit string) (*export.Doc, error)
	// Form06 and Text count under today's units when current is set.
	Form06(ctx context.Context, p motcua.Period, unit string, current bool) (*export.Doc, error)
	Text(ctx context.Context, p motcua.Period, unit string, current bool) (title string, paragraphs []string, err error)
}

// reportUnit is the unit a report covers: the one asked for, else the
// head's own; a head asking for another's gets 403 from start.
func reportUnit(p *page) string {
	if p.Filter.Unit != "" {
		return p.Filter.Unit
	}
	return p.User.Scope()
}

// weekly serves /reports/weekly?week=2024-W10[&unit=CODE].
func (d *Dashboards) weekly(c *gin.Context) {
	p := &page{Title: "Báo cáo tiếp nhận trực tuyến theo tuần"}
	if !d.start(c, p) {
		return
	}
	p.NoFilter = true // the week picker instead
	doc, err := d.cfg.Reports.Weekly(c.Request.Context(), c.Query("week"), reportUnit(p))
	if err != nil {
		d.fail(c, p, reportError(err))
		return
	}
	p.Lines, p.Doc = doc.Lines, doc
	p.View = struct{ Week string }{c.Query("week")}
	d.render(c, "report", p)
}

// form06 serves /reports/form06 for the page's period.
func (d *Dashboards) form06(c *gin.Context) {
	p := &page{Title: "Biểu số 06/VPCP/KSTT"}
	if !d.start(c, p) {
		return
	}
	doc, err := d.cfg.Reports.Form06(c.Request.Context(), p.Filter.Period, reportUnit(p), p.Filter.UnitsAs == motcua.UnitsCurrent)
	if err != nil {
		d.fail(c, p, reportError(err))
		return
	}
	p.Title, p.Lines, p.Doc = doc.Title, doc.Lines, doc
	d.render(c, "report", p)
}

// text serves /reports/text for the page's period: the results section,
// ready to paste into a document.
func (d *Dashboards) text(c *gin.Context) {
	p := &page{Title: "Văn bản báo cáo kết quả"}
	if !d.start(c, p) {
		return
	}
	title, pars, err := d.cfg.Reports.Text(c.Request.Context(), p.Filter.Period, reportUnit(p), p.Filter.UnitsAs == motcua.UnitsCurrent)
	if err != nil {
		d.fail(c, p, reportError(err))
		return
	}
	p.Title = title
	p.View = struct{ Paragraphs []string }{pars}
	d.render(c, "text", p)
}

// reportError makes a report's invalid request a 400 with its reason.
func reportError(err error) error {
	if strings.HasPrefix(err.Error(), motcua.ErrInvalid.Error()+": ") {
		return badRequest("%s", strings.TrimPrefix(err.Error(), motcua.ErrInvalid.Error()+": "))
	}
	return err
}
