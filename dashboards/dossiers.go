package dashboards

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// pageSize is the number of dossiers a list shows at once; exports hold up
// to exportRows.
const (
	pageSize   = 50
	exportRows = 10_000
	maxPage    = 1_000_000
)

// listView is a page of the dossiers behind a figure.
type listView struct {
	Figure      motcua.Figure
	Label       string
	Total       uint64
	Table       *export.Table
	Page, Pages int
	Prev, Next  string
	Truncated   bool // the export holds the first exportRows only
}

// dossiers serves /dossiers?figure=...: the dossiers behind a figure of a
// page, with the same period and filters; as many as the figure counts.
func (d *Dashboards) dossiers(c *gin.Context) {
	p := &page{Title: "Danh sách hồ sơ"}
	if !d.start(c, p) {
		return
	}
	fig := motcua.Figure(c.Query("figure"))
	if !fig.Valid() {
		d.fail(c, p, badRequest("figure=%q: want one of the figures of a page, such as new, late or overdue_now", fig))
		return
	}
	pg := 1
	if s := c.Query("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			d.fail(c, p, badRequest("page=%q: want a page number from 1 to %d", s, maxPage))
			return
		}
		pg = n
	}
	cat, cal := d.fig.Catalog(), d.fig.Calendar()
	f := p.Filter
	units := f.Units(cat, p.User)
	if units != nil && len(units) == 0 {
		d.fail(c, p, forbidden("Không có đơn vị nào bạn được xem ở cấp này."))
		return
	}
	now := cat.InstantAt(d.cfg.Now(), cal)
	q := motcua.DossierQuery{Window: f.Window(), Now: &now, Units: units, Successors: f.successors(cat, d.cfg.Now()), Channel: f.Channel, Procedure: f.Procedure,
		Official: f.Official, Figure: fig, Limit: pageSize, Offset: (pg - 1) * pageSize}
	if c.Query("format") != "" {
		q.Limit, q.Offset = exportRows, 0
	}
	rows, total, err := d.src.Dossiers(c.Request.Context(), q)
	if err != nil {
		d.fail(c, p, err)
		return
	}
	v := &listView{Figure: fig, Label: fig.Label(), Total: total, Page: pg, Pages: max(1, int((total+pageSize-1)/pageSize))}
	if pg > v.Pages {
		d.fail(c, p, notFound("Trang %d không có: danh sách có %d trang.", pg, v.Pages))
		return
	}
	v.Table = dossierTable("dossiers", fig.Label(), cat, cal, now, rows)
	v.Truncated = c.Query("format") != "" && total > exportRows
	link := func(n int) string {
		return f.Link("/dossiers", "figure", string(fig), "page", strconv.Itoa(n))
	}
	if pg > 1 {
		v.Prev = link(pg - 1)
	}
	if pg < v.Pages {
		v.Next = link(pg + 1)
	}
	p.Title = fig.Label()
	p.Lines = append(p.Lines, fmt.Sprintf("Số hồ sơ: %s", motcua.FormatCount(total)))
	p.Doc = &export.Doc{Title: p.Title, Lines: p.Lines, Tables: []*export.Table{v.Table}}
	p.View = v
	d.render(c, "dossiers", p)
}

// dossierTable lists dossiers with where each stands at the instant.
func dossierTable(name, title string, cat *motcua.Catalog, cal *motcua.Calendar, now motcua.Instant, rows []motcua.DossierRow) *export.Table {
	t := &export.Table{Name: name, Title: title, Columns: []export.Column{
		{Key: "id", Title: "Mã hồ sơ", Kind: export.Text},
		{Key: "procedure", Title: "Thủ tục", Kind: export.Text},
		{Key: "unit", Title: "Đơn vị tiếp nhận", Kind: export.Text},
		{Key: "handling_unit", Title: "Đơn vị đang xử lý", Kind: export.Text},
		{Key: "official", Title: "Công chức", Kind: export.Text},
		{Key: "channel", Title: "Kênh", Kind: export.Text},
		{Key: "received_at", Title: "Ngày tiếp nhận", Kind: export.Time},
		{Key: "due_at", Title: "Ngày hẹn trả", Kind: export.Time},
		{Key: "resolved_at", Title: "Ngày giải quyết", Kind: export.Time},
		{Key: "status", Title: "Tình trạng", Kind: export.Text},
		{Key: "days", Title: "Số ngày làm việc còn lại (âm: trễ)", Kind: export.Number},
	}}
	for _, r := range rows {
		proc, _ := cat.Procedure(r.Procedure)
		procName := r.Procedure
		if proc.Name != "" {
			procName = proc.Name
		}
		off := r.Official
		if o, ok := cat.Official(r.Official); ok {
			off = o.Name
		}
		status, days := standing(r, cal, now)
		t.Rows = append(t.Rows, []export.Cell{
			{Value: r.ID, Link: "/dossiers/" + pathSegment(r.ID)},
			{Value: procName},
			{Value: unitName(cat, r.Unit)},
			{Value: unitName(cat, r.HandlingUnit)},
			{Value: off},
			{Value: channelName(r.Channel)},
			timeCell(r.ReceivedAt),
			timeCell(r.DueAt),
			timeCell(r.ResolvedAt),
			{Value: status},
			days,
		})
	}
	return t
}

// standing says where a listed dossier stands at the instant, and the
// working days left before its due time (negative: late by).
func standing(r motcua.DossierRow, cal *motcua.Calendar, now motcua.Instant) (string, export.Cell) {
	at := now.At
	closed := !r.ClosedAt.IsZero() && !r.ClosedAt.After(at)
	switch {
	case closed && !r.ResolvedAt.IsZero():
		return "Đã giải quyết (" + outcomeName(r.Outcome) + ")", export.Cell{}
	case closed:
		return "Đã đóng (rút hoặc từ chối)", export.Cell{}
	case r.DueAt.IsZero():
		return "Đang giải quyết", export.Cell{}
	}
	day := cal.WorkingDayLength()
	if r.DueAt.After(at) {
		left := float64(cal.WorkingTime(at, r.DueAt)) / float64(day)
		status := "Đang giải quyết, trong hạn"
		if !r.PausedSince.IsZero() && !r.PausedSince.After(at) {
			status = "Tạm dừng chờ bổ sung"
		}
		return status, export.Cell{Value: math.Round(left*10) / 10}
	}
	late := float64(cal.WorkingTime(r.DueAt, at)) / float64(day)
	if motcua.SameDay(r.DueAt, at) {
		return "Đến hạn hôm nay", export.Cell{Value: 0.0}
	}
	return "Quá hạn", export.Cell{Value: -math.Round(late*10) / 10}
}

func outcomeName(o motcua.Outcome) string {
	switch o {
	case motcua.Early:
		return "trước hạn"
	case motcua.OnTime:
		return "đúng hạn"
	case motcua.Late:
		return "quá hạn"
	}
	return string(o)
}

func unitName(cat *motcua.Catalog, code string) string {
	if u, ok := cat.Unit(code); ok {
		return u.Name
	}
	return code
}

func timeCell(t time.Time) export.Cell {
	if t.IsZero() {
		return export.Cell{}
	}
	return export.Cell{Value: t}
}

// pathSegment escapes a dossier id for a path.
func pathSegment(s string) string { return pathEscape(s) }

// dossierView is one dossier's timeline.
type dossierView struct {
	Dossier motcua.Dossier
	State   string
	Outcome string // giải quyết trước hạn, đúng hạn or quá hạn
	Events  []eventView
}

type eventView struct {
	At                   time.Time
	What, Unit, Official string
	Detail               string
}

// dossier serves /dossiers/{id}: its events as a timeline, with its due
// date, pauses and outcome.
func (d *Dashboards) dossier(c *gin.Context) {
	p := &page{Title: "Hồ sơ", NoFilter: true, Nonce: nonce(), Path: c.Request.URL.Path, User: user(c)}
	id := c.Param("id")
	if utf8.RuneCountInString(id) > motcua.MaxDossierIDLen {
		d.fail(c, p, badRequest("Mã hồ sơ dài tối đa %d ký tự.", motcua.MaxDossierIDLen))
		return
	}
	evs, err := d.src.Events(c.Request.Context(), id)
	if err != nil {
		d.fail(c, p, err)
		return
	}
	if len(evs) == 0 {
		d.fail(c, p, notFound("Không có hồ sơ mã %q.", id))
		return
	}
	cat, cal := d.fig.Catalog(), d.fig.Calendar()
	dos := motcua.Fold(evs, cal, func(code string) (float64, bool) {
		pr, ok := cat.Procedure(code)
		return pr.ProcessingDays(), ok
	})
	if !p.User.Sees(cat, dos.Unit) && !p.User.Sees(cat, dos.HandlingUnit) {
		d.fail(c, p, forbidden("Bạn không có quyền xem hồ sơ %q.", id))
		return
	}
	u, _ := cat.Unit(dos.HandlingUnit)
	state := dos.StateAt(d.cfg.Now(), cal, time.Duration(u.AlertWindowHours*float64(time.Hour)))
	v := &dossierView{Dossier: dos, State: stateName(state), Outcome: "giải quyết " + outcomeName(dos.Outcome())}
	for _, e := range evs {
		ev := eventView{At: e.At, What: eventName(e.Type), Unit: unitName(cat, e.Unit), Official: e.Official}
		if o, ok := cat.Official(e.Official); ok {
			ev.Official = o.Name
		}
		if !e.DueAt.IsZero() {
			ev.Detail = "Hẹn trả: " + e.DueAt.In(motcua.Location).Format("15:04 02/01/2006")
		}
		if e.Channel != "" {
			ev.Detail += " Kênh: " + channelName(e.Channel) + "."
		}
		v.Events = append(v.Events, ev)
	}
	p.Title = "Hồ sơ " + id
	p.View = v
	c.Status(http.StatusOK)
	d.render(c, "dossier", p)
}

func stateName(s motcua.State) string {
	switch s {
	case motcua.StateOpen:
		return "Đang giải quyết, trong hạn"
	case motcua.StateApproaching:
		return "Sắp đến hạn"
	case motcua.StateOverdue:
		return "Quá hạn"
	case motcua.StateResolved:
		return "Đã giải quyết, chưa trả kết quả"
	case motcua.StateReturned:
		return "Đã trả kết quả"
	case motcua.StateRejected:
		return "Từ chối"
	case motcua.StateWithdrawn:
		return "Rút hồ sơ"
	}
	return string(s)
}

func eventName(t motcua.EventType) string {
	switch t {
	case motcua.Received:
		return "Tiếp nhận"
	case motcua.Transferred:
		return "Chuyển xử lý"
	case motcua.SupplementRequested:
		return "Yêu cầu bổ sung (tạm dừng)"
	case motcua.SupplementReceived:
		return "Nhận bổ sung (tiếp tục)"
	case motcua.Resolved:
		return "Có kết quả giải quyết"
	case motcua.Returned:
		return "Trả kết quả"
	case motcua.Rejected:
		return "Từ chối"
	case motcua.Withdrawn:
		return "Rút hồ sơ"
	}
	return string(t)
}
