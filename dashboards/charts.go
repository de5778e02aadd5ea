package dashboards

import (
	"encoding/json"
	"fmt"
	"html/template"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// chart is a chart as a page holds it: a container whose data attributes
// carry the ECharts options and the link behind each data point; the
// page's script (static/motcua.js) draws it. go-echarts writes options into
// an inline script unescaped, so motcua keeps only the options that
// RenderSnippet renders, checks that they are JSON and lets html/template
// escape them into an attribute: a name can never run as script.
type chart struct {
	ID      string
	Title   string
	Options string
	Links   string // JSON: links[series][dataIndex]
	Tall    bool
}

// echart is a go-echarts chart.
type echart interface {
	RenderSnippet() render.ChartSnippet
	JSONNotEscaped() template.HTML
}

// newChart renders c with its drill-through links. RenderSnippet runs the
// chart's last steps (its validation); its options are then taken as the
// chart's JSON, which an entity in a name would not survive in the snippet.
func newChart(id, title string, c echart, links [][]string, tall bool) chart {
	c.RenderSnippet()
	var v any
	if err := json.Unmarshal([]byte(c.JSONNotEscaped()), &v); err != nil {
		panic(fmt.Sprintf("dashboards: go-echarts options of %s are not JSON: %v", id, err))
	}
	opt, _ := json.Marshal(v)
	if links == nil {
		links = [][]string{}
	}
	l, _ := json.Marshal(links)
	return chart{ID: id, Title: title, Options: string(opt), Links: string(l), Tall: tall}
}

func base(id string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "4%", Top: "12%", Bottom: "14%", ContainLabel: opts.Bool(true)}),
		charts.WithColorsOpts(opts.Colors{"#1f5fa8", "#2e9d5b", "#e0a800", "#c62828", "#7b4fa0", "#5f6b7a"}),
	}
}
