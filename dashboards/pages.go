package dashboards

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// withParam sets a query parameter of the request, so that a page's code
// in its path reads as the filter's.
func withParam(c *gin.Context, key, value string) {
	q := c.Request.URL.Query()
	q.Set(key, value)
	c.Request.URL.RawQuery = q.Encode()
}

// procedure serves /procedures/{code}: processing time in working days
// against the statutory and the cut time, and the late share per unit.
func (d *Dashboards) procedure(c *gin.Context) {
	p := &page{}
	cat := d.fig.Catalog()
	code := c.Param("code")
	proc, ok := cat.Procedure(code)
	if !ok {
		d.fail(c, p, notFound("Không có thủ tục mã %q trong danh mục.", code))
		return
	}
	withParam(c, "procedure", code)
	if !d.start(c, p) {
		return
	}
	p.Title = proc.Name
	ctx := c.Request.Context()
	if err := d.scope(ctx, p, false); err != nil {
		d.fail(c, p, err)
		return
	}
	f := p.Filter
	rows, total, err := d.src.Dossiers(ctx, motcua.DossierQuery{Window: f.Window(), Units: f.Units(cat, p.User), Successors: f.successors(cat, d.cfg.Now()), Channel: f.Channel,
		Procedure: code, Official: f.Official, Figure: motcua.FigResolved, Limit: exportRows})
	if err != nil {
		d.fail(c, p, err)
		return
	}
	cal := d.fig.Calendar()
	days := make([]float64, 0, len(rows))
	for _, r := range rows {
		days = append(days, float64(cal.WorkingTime(r.ReceivedAt, r.ResolvedAt))/float64(cal.WorkingDayLength()))
	}
	slices.Sort(days)
	v := p.View.(*scopeView)
	oneDecimal := func(x float64) string {
		return export.FormatCell(export.Cell{Value: math.Round(x*10) / 10}, export.Number)
	}
	timing := []tile{
		{Label: "Thời gian giải quyết (trung vị)", Value: oneDecimal(quantile(days, 0.5)), Sub: "ngày làm việc, " + motcua.FormatCount(uint64(len(days))) + " hồ sơ đã giải quyết"},
		{Label: "90% hồ sơ giải quyết trong", Value: oneDecimal(quantile(days, 0.9)), Sub: "ngày làm việc"},
		{Label: "Thời hạn theo quy định", Value: oneDecimal(proc.StatutoryDays), Sub: "ngày làm việc"},
	}
	if proc.CutDays > 0 {
		timing = append(timing, tile{Label: "Thời hạn sau cắt giảm", Value: oneDecimal(proc.CutDays), Sub: "ngày làm việc"})
	}
	if total > uint64(len(rows)) {
		timing[0].Sub += fmt.Sprintf(" (tính trên %s hồ sơ đầu)", motcua.FormatCount(uint64(len(rows))))
	}
	for i := range timing {
		timing[i].Link = figureLink(f, motcua.FigResolved)
	}
	v.Tiles = append(timing, v.Tiles...)
	p.Lines = append([]string{fmt.Sprintf("Mã thủ tục: %s · Lĩnh vực: %s · Mức độ trực tuyến: %d", proc.Code, proc.Field, proc.OnlineLevel),
		"Thời gian giải quyết tính theo ngày làm việc từ lúc tiếp nhận đến lúc có kết quả, chưa trừ thời gian tạm dừng chờ bổ sung."}, p.Lines...)
	p.Doc.Lines = p.Lines
	d.render(c, "procedure", p)
}

// quantile is the q-quantile of sorted xs (nearest rank); 0 when empty.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

// official serves /officials/{code}: intake by channel per week against
// the weekly online target, and the outcomes of what they received.
func (d *Dashboards) official(c *gin.Context) {
	p := &page{}
	cat := d.fig.Catalog()
	code := c.Param("code")
	off, ok := cat.Official(code)
	if !ok {
		d.fail(c, p, notFound("Không có công chức mã %q trong danh mục.", code))
		return
	}
	withParam(c, "official", code)
	if !d.start(c, p) {
		return
	}
	if !p.User.Sees(cat, off.Unit) {
		d.fail(c, p, forbidden("Bạn không có quyền xem số liệu của công chức %q.", code))
		return
	}
	p.Title = off.Name
	ctx := c.Request.Context()
	if err := d.scope(ctx, p, false); err != nil {
		d.fail(c, p, err)
		return
	}
	f := p.Filter
	weeks := weekWindows(f.Window())
	if len(weeks) > maxWeeks {
		d.fail(c, p, badRequest("Trang công chức xem theo tuần tối đa %d tuần; kỳ đã chọn có %d tuần: chọn kỳ ngắn hơn.", maxWeeks, len(weeks)))
		return
	}
	rows, err := d.src.Summary(ctx, motcua.SummaryQuery{Windows: weeks, Units: f.Units(cat, p.User), Successors: f.successors(cat, d.cfg.Now()), Channel: f.Channel,
		Procedure: f.Procedure, Official: code})
	if err != nil {
		d.fail(c, p, err)
		return
	}
	byWeek := map[int]motcua.Counts{}
	for _, r := range rows {
		byWeek[r.Window] = r
	}
	t := &export.Table{Name: "weeks", Title: "Tiếp nhận theo tuần so với chỉ tiêu trực tuyến", Columns: []export.Column{
		{Key: "week", Title: "Tuần", Kind: export.Text},
		{Key: "new", Title: "Tổng tiếp nhận", Kind: export.Count},
		{Key: "new_online", Title: "Trực tuyến", Kind: export.Count},
		{Key: "new_direct", Title: "Trực tiếp", Kind: export.Count},
		{Key: "new_postal", Title: "Bưu chính", Kind: export.Count},
		{Key: "working_days", Title: "Ngày làm việc", Kind: export.Count},
		{Key: "target", Title: "Chỉ tiêu trực tuyến", Kind: export.Number},
		{Key: "met", Title: "Đạt chỉ tiêu", Kind: export.Text},
	}}
	cal := d.fig.Calendar()
	var names []string
	var onl, dir, pos []opts.BarData
	var target []opts.LineData
	links := [][]string{{}, {}, {}}
	for i, w := range weeks {
		r := byWeek[i]
		wf := f
		wf.Period, _ = motcua.CustomPeriod(w.From, w.To.AddDate(0, 0, -1))
		workDays := 0
		for day := monday(w.From); day.Before(monday(w.From).AddDate(0, 0, 7)); day = day.AddDate(0, 0, 1) {
			if cal.IsWorkingDay(day.Add(12 * time.Hour)) {
				workDays++
			}
		}
		goal := math.Round(float64(off.WeeklyOnlineTarget)*float64(workDays)/5*10) / 10
		met := "Đạt"
		if float64(r.NewOnline) < goal {
			met = "Chưa đạt"
		}
		label := fmt.Sprintf("%s – %s", w.From.Format("02/01"), w.To.AddDate(0, 0, -1).Format("02/01/2006"))
		t.Rows = append(t.Rows, []export.Cell{{Value: label}, count(wf, r, motcua.FigNew), count(wf, r, motcua.FigNewOnline),
			count(wf, r, motcua.FigNewDirect), count(wf, r, motcua.FigNewPostal), {Value: workDays}, {Value: goal}, {Value: met}})
		names = append(names, w.From.Format("02/01"))
		onl = append(onl, opts.BarData{Value: r.NewOnline})
		dir = append(dir, opts.BarData{Value: r.NewDirect})
		pos = append(pos, opts.BarData{Value: r.NewPostal})
		target = append(target, opts.LineData{Value: goal})
		links[0] = append(links[0], figureLink(wf, motcua.FigNewOnline))
		links[1] = append(links[1], figureLink(wf, motcua.FigNewDirect))
		links[2] = append(links[2], figureLink(wf, motcua.FigNewPostal))
	}
	stacked := charts.WithBarChartOpts(opts.BarChart{Stack: "channel"})
	bar := charts.NewBar()
	bar.SetGlobalOptions(base("chart-weeks")...)
	bar.SetXAxis(names).AddSeries("Trực tuyến", onl, stacked).AddSeries("Trực tiếp", dir, stacked).AddSeries("Bưu chính", pos, stacked)
	line := charts.NewLine()
	line.SetXAxis(names).AddSeries("Chỉ tiêu trực tuyến", target)
	bar.Overlap(line)
	p.Charts = append([]chart{newChart("chart-weeks", "Tiếp nhận theo tuần và chỉ tiêu trực tuyến", bar, links, true)}, p.Charts...)
	p.Doc.Tables = append([]*export.Table{t}, p.Doc.Tables...)
	p.Lines = append([]string{fmt.Sprintf("Đơn vị: %s · Chỉ tiêu tiếp nhận trực tuyến: %d hồ sơ/tuần (tính theo số ngày làm việc của tuần trên 5)",
		unitName(cat, off.Unit), off.WeeklyOnlineTarget)}, p.Lines...)
	p.Doc.Lines = p.Lines
	d.render(c, "official", p)
}

// maxWeeks caps the weeks of an official's page: two years.
const maxWeeks = 106

// monday is the Monday of t's ISO week, at midnight.
func monday(t time.Time) time.Time {
	day := motcua.DayOf(t)
	off := (int(day.Weekday()) + 6) % 7
	return day.AddDate(0, 0, -off)
}

// weekWindows cuts w into ISO weeks, Monday to Sunday, the first and last
// cut to w.
func weekWindows(w motcua.Window) []motcua.Window {
	var out []motcua.Window
	for m := monday(w.From); m.Before(w.To); m = m.AddDate(0, 0, 7) {
		win := motcua.Window{From: m, To: m.AddDate(0, 0, 7)}
		if win.From.Before(w.From) {
			win.From = w.From
		}
		if win.To.After(w.To) {
			win.To = w.To
		}
		out = append(out, win)
	}
	return out
}
