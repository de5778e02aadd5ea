package dashboards

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// tile is one headline figure: its count, a share under it, and the link to
// the dossiers behind it.
type tile struct {
	Label, Value, Sub, Link, Tone string
}

// scopeView is what the overview and a unit page show of the dossiers of a
// set of units over a period.
type scopeView struct {
	Tiles  []tile
	Total  motcua.Counts
	Target []motcua.TargetResult
	Open   *export.Table // a unit page's open dossiers, overdue first
	More   string        // the link to all of them
}

// overview serves / : every unit the reader sees, against its targets.
func (d *Dashboards) overview(c *gin.Context) {
	p := &page{Title: "Tổng quan"}
	if !d.start(c, p) {
		return
	}
	if unit := p.Filter.Unit; unit != "" || p.User.Scope() != "" {
		if unit == "" {
			unit = p.User.Scope()
		}
		u, _ := d.fig.Catalog().Unit(unit)
		p.Title = "Tổng quan: " + u.Name
	}
	if err := d.scope(c.Request.Context(), p, false); err != nil {
		d.fail(c, p, err)
		return
	}
	d.render(c, "overview", p)
}

// unit serves /units/{code}: the unit and its subtree.
func (d *Dashboards) unit(c *gin.Context) {
	p := &page{}
	cat := d.fig.Catalog()
	code := c.Param("code")
	u, ok := cat.Unit(code)
	if !ok {
		d.fail(c, p, notFound("Không có đơn vị mã %q trong danh mục.", code))
		return
	}
	q := c.Request.URL.Query()
	q.Set("unit", code)
	c.Request.URL.RawQuery = q.Encode()
	if !d.start(c, p) {
		return
	}
	p.Title = u.Name
	if err := d.scope(c.Request.Context(), p, true); err != nil {
		d.fail(c, p, err)
		return
	}
	d.render(c, "unit", p)
}

// scope fills p with the figures of its filter: tiles, the units' table
// and charts, the trend, the channels and the procedures that cause the
// most lateness; for a unit page also the officials and the open dossiers.
func (d *Dashboards) scope(ctx context.Context, p *page, unitPage bool) error {
	cat, f := d.fig.Catalog(), p.Filter
	units := f.Units(cat, p.User)
	if units != nil && len(units) == 0 {
		return forbidden("Không có đơn vị nào bạn được xem ở cấp này.")
	}
	now := cat.InstantAt(d.cfg.Now(), d.fig.Calendar())
	base := motcua.SummaryQuery{Windows: []motcua.Window{f.Window()}, Units: units, Successors: f.successors(cat, d.cfg.Now()), Channel: f.Channel, Procedure: f.Procedure, Official: f.Official}
	byUnit := base
	byUnit.By, byUnit.Now = motcua.GroupUnit, &now
	unitRows, err := d.src.Summary(ctx, byUnit)
	if err != nil {
		return err
	}
	byProc := base
	byProc.By = motcua.GroupProcedure
	procRows, err := d.src.Summary(ctx, byProc)
	if err != nil {
		return err
	}
	months := motcua.MonthWindows(f.Period.To.AddDate(0, -11, 1-f.Period.To.Day()), f.Period.To.AddDate(0, 0, 1))
	trend := base
	trend.Windows = months
	trendRows, err := d.src.Summary(ctx, trend)
	if err != nil {
		return err
	}
	var total motcua.Counts
	for _, r := range unitRows {
		total.Add(r)
	}
	total.Key, total.Window = "", 0
	v := &scopeView{Total: total}
	year := f.Period.To.Year()
	switch {
	case f.Unit != "":
		v.Target = cat.TargetsOf(motcua.GroupUnit, f.Unit, year, total.Shares(1))
	case f.Level != "":
		v.Target = cat.TargetsOf(motcua.GroupLevel, string(f.Level), year, total.Shares(1))
	case p.User.Scope() != "":
		v.Target = cat.TargetsOf(motcua.GroupUnit, p.User.Scope(), year, total.Shares(1))
	}
	v.Tiles = tiles(f, total, v.Target)
	doc := &export.Doc{Title: p.Title, Lines: p.Lines}
	unitsTable, unitCharts := d.unitsTable(f, unitRows, year, p.Filter)
	doc.Tables = append(doc.Tables, unitsTable)
	doc.Tables = append(doc.Tables, procedureTable(cat, f, procRows, unitPage))
	trendTable, trendChart := trendOf(f, months, trendRows)
	doc.Tables = append(doc.Tables, trendTable, channelTable(f, total))
	p.Charts = append(unitCharts, trendChart, channelChart(f, total))
	if unitPage {
		byOff := base
		byOff.By = motcua.GroupOfficial
		offRows, err := d.src.Summary(ctx, byOff)
		if err != nil {
			return err
		}
		doc.Tables = append(doc.Tables, officialTable(cat, f, offRows))
		q := motcua.DossierQuery{Window: f.Window(), Now: &now, Units: units, Successors: f.successors(cat, d.cfg.Now()), Channel: f.Channel, Procedure: f.Procedure,
			Official: f.Official, Figure: motcua.FigOpenNow, Limit: 20}
		rows, n, err := d.src.Dossiers(ctx, q)
		if err != nil {
			return err
		}
		v.Open = dossierTable("open", "Hồ sơ đang giải quyết: quá hạn trước, rồi sắp đến hạn", cat, d.fig.Calendar(), now, rows)
		if n > uint64(len(rows)) {
			v.More = f.Link("/dossiers", "figure", string(motcua.FigOpenNow))
		}
		doc.Tables = append(doc.Tables, v.Open)
	}
	sortTable(unitsTable, p.sortKey, p.sortDesc)
	p.Doc, p.View = doc, v
	return nil
}

// figureLink is the list of the dossiers behind a figure of f.
func figureLink(f Filter, fig motcua.Figure, kv ...string) string {
	return f.Link("/dossiers", append([]string{"figure", string(fig)}, kv...)...)
}

func tiles(f Filter, t motcua.Counts, targets []motcua.TargetResult) []tile {
	sh := t.Shares(1)
	pct := func(name string) string { return motcua.FormatShare(sh[name].Value, 1) }
	online := pct("online") + " số mới tiếp nhận"
	for _, tr := range targets {
		if tr.Name == "online_share" {
			verdict := "đạt"
			if !tr.Met {
				verdict = "chưa đạt"
			}
			online += fmt.Sprintf("; chỉ tiêu %s: %s", motcua.FormatShare(tr.Target, 0), verdict)
		}
	}
	mk := func(fig motcua.Figure, label, sub, tone string) tile {
		return tile{Label: label, Value: motcua.FormatCount(t.Of(fig)), Sub: sub, Link: figureLink(f, fig), Tone: tone}
	}
	return []tile{
		mk(motcua.FigHandled, "Tổng số hồ sơ tiếp nhận", "mới và kỳ trước chuyển qua", ""),
		mk(motcua.FigNew, "Mới tiếp nhận trong kỳ", "", ""),
		mk(motcua.FigCarriedOver, "Từ kỳ trước chuyển qua", "", ""),
		mk(motcua.FigResolved, "Đã giải quyết", "", ""),
		mk(motcua.FigEarly, "Trước hạn", pct("early")+" số đã giải quyết", "good"),
		mk(motcua.FigOnTime, "Đúng hạn", pct("on_time")+" số đã giải quyết", "good"),
		mk(motcua.FigLate, "Quá hạn", pct("late")+" số đã giải quyết", "bad"),
		mk(motcua.FigNewOnline, "Tiếp nhận trực tuyến", online, ""),
		mk(motcua.FigOpenNow, "Đang giải quyết hiện nay", "", ""),
		mk(motcua.FigOverdueNow, "Quá hạn hiện nay", "", "bad"),
		mk(motcua.FigApproachingNow, "Sắp đến hạn", "trong một ngày làm việc", "warn"),
	}
}

// count is a count cell with the link to its dossiers.
func count(f Filter, c motcua.Counts, fig motcua.Figure, kv ...string) export.Cell {
	return export.Cell{Value: c.Of(fig), Link: figureLink(f, fig, kv...)}
}

func shareCell(s motcua.Share) export.Cell {
	if s.Denominator == 0 {
		return export.Cell{}
	}
	return export.Cell{Value: s.Value}
}

// unitsTable ranks the units by progress, with their online share against
// the target; its charts show the same numbers.
func (d *Dashboards) unitsTable(f Filter, rows []motcua.Counts, year int, pf Filter) (*export.Table, []chart) {
	cat := d.fig.Catalog()
	t := &export.Table{Name: "units", Title: "Xếp hạng đơn vị theo chỉ số tiến độ (Quyết định 766/QĐ-TTg)",
		Columns: []export.Column{
			{Key: "unit", Title: "Đơn vị", Kind: export.Text},
			{Key: "level", Title: "Cấp", Kind: export.Text},
			{Key: "handled", Title: "Tổng tiếp nhận", Kind: export.Count},
			{Key: "new", Title: "Mới tiếp nhận", Kind: export.Count},
			{Key: "new_online", Title: "Trực tuyến", Kind: export.Count},
			{Key: "online_share", Title: "Tỷ lệ trực tuyến", Kind: export.Share},
			{Key: "online_target", Title: "Chỉ tiêu trực tuyến", Kind: export.Share},
			{Key: "resolved", Title: "Đã giải quyết", Kind: export.Count},
			{Key: "early", Title: "Trước hạn", Kind: export.Count},
			{Key: "on_time", Title: "Đúng hạn", Kind: export.Count},
			{Key: "late", Title: "Quá hạn", Kind: export.Count},
			{Key: "within_due", Title: "Đang giải quyết trong hạn", Kind: export.Count},
			{Key: "overdue_end", Title: "Đang giải quyết quá hạn", Kind: export.Count},
			{Key: "progress", Title: "Tỷ lệ tiến độ", Kind: export.Share},
			{Key: "points", Title: "Điểm tiến độ (tối đa 20)", Kind: export.Number},
			{Key: "rating", Title: "Xếp loại (theo tỷ lệ tiến độ)", Kind: export.Text},
		}}
	type unitRow struct {
		u   motcua.Unit
		c   motcua.Counts
		pr  motcua.Progress
		tgt *float64
	}
	var list []unitRow
	var total motcua.Counts
	for _, r := range rows {
		u, _ := cat.Unit(r.Key)
		if u.Code == "" {
			u = motcua.Unit{Code: r.Key, Name: r.Key}
		}
		var tgt *float64
		if tg, ok := cat.TargetFor(u.Code, year); ok {
			tgt = tg.OnlineShare
		}
		list = append(list, unitRow{u, r, r.Progress(1), tgt})
		total.Add(r)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].pr.Share.Value != list[j].pr.Share.Value {
			return list[i].pr.Share.Value > list[j].pr.Share.Value
		}
		return list[i].u.Code < list[j].u.Code
	})
	var names []string
	var online []opts.BarData
	var targetLine []opts.LineData
	var early, onTime, late []opts.BarData
	links := [][]string{{}, {}}
	outcomeLinks := [][]string{{}, {}, {}}
	for _, r := range list {
		sh := r.c.Shares(1)
		row := []export.Cell{
			{Value: r.u.Name, Link: f.Link("/units/"+r.u.Code, "unit", "")},
			{Value: r.u.Level.LevelName()},
			count(f, r.c, motcua.FigHandled, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigNew, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigNewOnline, "unit", r.u.Code, "own", "1"),
			shareCell(sh["online"]),
			{},
			count(f, r.c, motcua.FigResolved, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigEarly, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigOnTime, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigLate, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigWithinDueAtEnd, "unit", r.u.Code, "own", "1"),
			count(f, r.c, motcua.FigOverdueAtEnd, "unit", r.u.Code, "own", "1"),
			shareCell(r.pr.Share),
			{Value: r.pr.Points},
			{Value: r.pr.Rating},
		}
		if r.tgt != nil {
			row[6] = export.Cell{Value: *r.tgt}
		}
		t.Rows = append(t.Rows, row)
		names = append(names, r.u.Name)
		online = append(online, opts.BarData{Value: sh["online"].Value})
		var tv any = "-"
		if r.tgt != nil {
			tv = *r.tgt
		}
		targetLine = append(targetLine, opts.LineData{Value: tv})
		links[0] = append(links[0], figureLink(f, motcua.FigNewOnline, "unit", r.u.Code, "own", "1"))
		links[1] = append(links[1], "")
		early = append(early, opts.BarData{Value: r.c.Early})
		onTime = append(onTime, opts.BarData{Value: r.c.OnTime})
		late = append(late, opts.BarData{Value: r.c.Late})
		outcomeLinks[0] = append(outcomeLinks[0], figureLink(f, motcua.FigEarly, "unit", r.u.Code, "own", "1"))
		outcomeLinks[1] = append(outcomeLinks[1], figureLink(f, motcua.FigOnTime, "unit", r.u.Code, "own", "1"))
		outcomeLinks[2] = append(outcomeLinks[2], figureLink(f, motcua.FigLate, "unit", r.u.Code, "own", "1"))
	}
	pr := total.Progress(1)
	sh := total.Shares(1)
	t.Footer = []export.Cell{{Value: "Tổng cộng"}, {}, count(f, total, motcua.FigHandled), count(f, total, motcua.FigNew),
		count(f, total, motcua.FigNewOnline), shareCell(sh["online"]), {}, count(f, total, motcua.FigResolved),
		count(f, total, motcua.FigEarly), count(f, total, motcua.FigOnTime), count(f, total, motcua.FigLate),
		count(f, total, motcua.FigWithinDueAtEnd), count(f, total, motcua.FigOverdueAtEnd), shareCell(pr.Share),
		{Value: pr.Points}, {Value: pr.Rating}}

	xLabels := charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}})
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(base("chart-online"), xLabels,
		charts.WithYAxisOpts(opts.YAxis{Name: "%", Max: 100}))...)
	bar.SetXAxis(names).AddSeries("Tỷ lệ trực tuyến (%)", online)
	line := charts.NewLine()
	line.SetXAxis(names).AddSeries("Chỉ tiêu (%)", targetLine, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Width: 0}))
	bar.Overlap(line)
	stack := charts.NewBar()
	stack.SetGlobalOptions(append(base("chart-outcomes"), xLabels, charts.WithColorsOpts(opts.Colors{"#2e7d32", "#1f5fa8", "#c62828"}))...)
	stacked := charts.WithBarChartOpts(opts.BarChart{Stack: "outcome"})
	stack.SetXAxis(names).
		AddSeries("Trước hạn", early, stacked).
		AddSeries("Đúng hạn", onTime, stacked).
		AddSeries("Quá hạn", late, stacked)
	return t, []chart{
		newChart("chart-online", "Tỷ lệ tiếp nhận trực tuyến so với chỉ tiêu", bar, links, true),
		newChart("chart-outcomes", "Kết quả giải quyết: trước hạn, đúng hạn, quá hạn", stack, outcomeLinks, true),
	}
}

// procedureTable lists the procedures by the lateness they cause (all of
// them on a unit page, the ten worst on the overview).
func procedureTable(cat *motcua.Catalog, f Filter, rows []motcua.Counts, all bool) *export.Table {
	name, title := "late_procedures", "Thủ tục có nhiều hồ sơ quá hạn nhất"
	if all {
		name, title = "procedures", "Theo thủ tục hành chính"
	}
	t := &export.Table{Name: name, Title: title, Columns: []export.Column{
		{Key: "code", Title: "Mã thủ tục", Kind: export.Text},
		{Key: "procedure", Title: "Thủ tục", Kind: export.Text},
		{Key: "field", Title: "Lĩnh vực", Kind: export.Text},
		{Key: "handled", Title: "Tổng tiếp nhận", Kind: export.Count},
		{Key: "resolved", Title: "Đã giải quyết", Kind: export.Count},
		{Key: "late", Title: "Quá hạn", Kind: export.Count},
		{Key: "late_share", Title: "Tỷ lệ quá hạn", Kind: export.Share},
		{Key: "overdue_now", Title: "Đang quá hạn cuối kỳ", Kind: export.Count},
	}}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Late != rows[j].Late {
			return rows[i].Late > rows[j].Late
		}
		return rows[i].Key < rows[j].Key
	})
	for _, r := range rows {
		if !all && (len(t.Rows) == 10 || r.Late == 0) {
			break
		}
		p, _ := cat.Procedure(r.Key)
		t.Rows = append(t.Rows, []export.Cell{
			{Value: r.Key, Link: f.Link("/procedures/"+r.Key, "procedure", "")},
			{Value: p.Name, Link: f.Link("/procedures/"+r.Key, "procedure", "")},
			{Value: p.Field},
			count(f, r, motcua.FigHandled, "procedure", r.Key),
			count(f, r, motcua.FigResolved, "procedure", r.Key),
			count(f, r, motcua.FigLate, "procedure", r.Key),
			shareCell(r.Shares(1)["late"]),
			count(f, r, motcua.FigOverdueAtEnd, "procedure", r.Key),
		})
	}
	return t
}

// officialTable lists the officials who received the dossiers.
func officialTable(cat *motcua.Catalog, f Filter, rows []motcua.Counts) *export.Table {
	t := &export.Table{Name: "officials", Title: "Theo công chức tiếp nhận", Columns: []export.Column{
		{Key: "official", Title: "Công chức", Kind: export.Text},
		{Key: "new", Title: "Mới tiếp nhận", Kind: export.Count},
		{Key: "new_online", Title: "Trực tuyến", Kind: export.Count},
		{Key: "new_direct", Title: "Trực tiếp", Kind: export.Count},
		{Key: "new_postal", Title: "Bưu chính", Kind: export.Count},
		{Key: "online_share", Title: "Tỷ lệ trực tuyến", Kind: export.Share},
		{Key: "resolved", Title: "Đã giải quyết", Kind: export.Count},
		{Key: "late", Title: "Quá hạn", Kind: export.Count},
	}}
	for _, r := range rows {
		name := r.Key
		link := ""
		if o, ok := cat.Official(r.Key); ok && r.Key != "" {
			name, link = o.Name, f.Link("/officials/"+r.Key, "official", "")
		}
		if r.Key == "" {
			name = "(không ghi công chức)"
		}
		kv := []string{"official", r.Key}
		if r.Key == "" {
			kv = nil
		}
		cells := []export.Cell{{Value: name, Link: link}}
		for _, fig := range []motcua.Figure{motcua.FigNew, motcua.FigNewOnline, motcua.FigNewDirect, motcua.FigNewPostal} {
			c := count(f, r, fig, kv...)
			if kv == nil {
				c.Link = ""
			}
			cells = append(cells, c)
		}
		cells = append(cells, shareCell(r.Shares(1)["online"]))
		for _, fig := range []motcua.Figure{motcua.FigResolved, motcua.FigLate} {
			c := count(f, r, fig, kv...)
			if kv == nil {
				c.Link = ""
			}
			cells = append(cells, c)
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// trendOf is the last twelve months up to the period's end.
func trendOf(f Filter, months []motcua.Window, rows []motcua.Counts) (*export.Table, chart) {
	t := &export.Table{Name: "trend", Title: "Diễn biến 12 tháng", Columns: []export.Column{
		{Key: "month", Title: "Tháng", Kind: export.Text},
		{Key: "new", Title: "Mới tiếp nhận", Kind: export.Count},
		{Key: "resolved", Title: "Đã giải quyết", Kind: export.Count},
		{Key: "late", Title: "Quá hạn", Kind: export.Count},
		{Key: "late_share", Title: "Tỷ lệ quá hạn", Kind: export.Share},
	}}
	byWindow := map[int]motcua.Counts{}
	for _, r := range rows {
		byWindow[r.Window] = r
	}
	var names []string
	var newBars, resolvedBars []opts.BarData
	var lateLine []opts.LineData
	links := [][]string{{}, {}, {}}
	for i, w := range months {
		r := byWindow[i]
		m, _ := motcua.NewPeriod(motcua.PeriodMonth, w.From.Year(), int(w.From.Month()), false)
		mf := f
		mf.Period = m
		label := fmt.Sprintf("%02d/%d", w.From.Month(), w.From.Year())
		ls := r.Shares(1)["late"]
		t.Rows = append(t.Rows, []export.Cell{{Value: label, Link: mf.Link("/", "")}, count(mf, r, motcua.FigNew),
			count(mf, r, motcua.FigResolved), count(mf, r, motcua.FigLate), shareCell(ls)})
		names = append(names, label)
		newBars = append(newBars, opts.BarData{Value: r.New})
		resolvedBars = append(resolvedBars, opts.BarData{Value: r.Resolved})
		lateLine = append(lateLine, opts.LineData{Value: ls.Value})
		links[0] = append(links[0], figureLink(mf, motcua.FigNew))
		links[1] = append(links[1], figureLink(mf, motcua.FigResolved))
		links[2] = append(links[2], figureLink(mf, motcua.FigLate))
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(base("chart-trend")...)
	bar.ExtendYAxis(opts.YAxis{Name: "% quá hạn", Min: 0})
	bar.SetXAxis(names).AddSeries("Mới tiếp nhận", newBars).AddSeries("Đã giải quyết", resolvedBars)
	line := charts.NewLine()
	line.SetXAxis(names).AddSeries("Tỷ lệ quá hạn (%)", lateLine, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
	bar.Overlap(line)
	return t, newChart("chart-trend", "Diễn biến 12 tháng: mới tiếp nhận, đã giải quyết, tỷ lệ quá hạn", bar, links, false)
}

// channelTable is the mix of channels of the new dossiers.
func channelTable(f Filter, t motcua.Counts) *export.Table {
	tb := &export.Table{Name: "channels", Title: "Kênh tiếp nhận hồ sơ mới", Columns: []export.Column{
		{Key: "channel", Title: "Kênh", Kind: export.Text},
		{Key: "new", Title: "Số hồ sơ", Kind: export.Count},
		{Key: "share", Title: "Tỷ lệ", Kind: export.Share},
	}}
	for _, ch := range []struct {
		fig  motcua.Figure
		name string
	}{{motcua.FigNewOnline, "Trực tuyến"}, {motcua.FigNewDirect, "Trực tiếp"}, {motcua.FigNewPostal, "Bưu chính công ích"}} {
		tb.Rows = append(tb.Rows, []export.Cell{{Value: ch.name}, count(f, t, ch.fig), shareCell(motcua.ShareOf(t.Of(ch.fig), t.New, "new", 1))})
	}
	tb.Footer = []export.Cell{{Value: "Tổng cộng"}, count(f, t, motcua.FigNew), {}}
	return tb
}

func channelChart(f Filter, t motcua.Counts) chart {
	pie := charts.NewPie()
	pie.SetGlobalOptions(charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-channels"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithColorsOpts(opts.Colors{"#1f5fa8", "#e0a800", "#2e9d5b"}))
	pie.AddSeries("Kênh tiếp nhận", []opts.PieData{
		{Name: "Trực tuyến", Value: t.NewOnline}, {Name: "Trực tiếp", Value: t.NewDirect}, {Name: "Bưu chính công ích", Value: t.NewPostal},
	}, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"35%", "65%"}}))
	links := [][]string{{figureLink(f, motcua.FigNewOnline), figureLink(f, motcua.FigNewDirect), figureLink(f, motcua.FigNewPostal)}}
	return newChart("chart-channels", "Cơ cấu kênh tiếp nhận", pie, links, false)
}

// sortTable orders a table's rows by the column key, keeping its footer.
func sortTable(t *export.Table, key string, desc bool) {
	col := -1
	for i, c := range t.Columns {
		if c.Key == key {
			col = i
		}
	}
	if col < 0 {
		return
	}
	less := func(a, b any) bool {
		switch x := a.(type) {
		case string:
			y, _ := b.(string)
			return x < y
		}
		return num(a) < num(b)
	}
	sort.SliceStable(t.Rows, func(i, j int) bool {
		a, b := t.Rows[i][col].Value, t.Rows[j][col].Value
		if desc {
			return less(b, a)
		}
		return less(a, b)
	})
}

func num(v any) float64 {
	switch x := v.(type) {
	case uint64:
		return float64(x)
	case float64:
		return x
	case int:
		return float64(x)
	case nil:
		return -1
	}
	s, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
	return s
}
