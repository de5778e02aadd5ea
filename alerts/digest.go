package alerts

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/notify"
)

// order puts overdue dossiers first (the latest first), then approaching
// ones (the soonest due first), then by id.
func order(items []item) {
	rank := func(it item) int {
		if it.stage == motcua.StageApproaching {
			return 1
		}
		return 0
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if !a.row.DueAt.Equal(b.row.DueAt) {
			return a.row.DueAt.Before(b.row.DueAt)
		}
		return a.row.ID < b.row.ID
	})
}

// days writes a number of working days as Vietnamese write it: 2,5.
func days(x float64) string {
	s := strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
	return strings.Replace(s, ".", ",", 1)
}

// line is what a message says of a dossier after its id.
func line(cat *motcua.Catalog, it item) string {
	var parts []string
	if p, ok := cat.Procedure(it.row.Procedure); ok {
		parts = append(parts, p.Name)
	} else {
		parts = append(parts, it.row.Procedure)
	}
	if o, ok := cat.Official(it.row.Official); ok {
		parts = append(parts, o.Name)
	} else if it.row.Official != "" {
		parts = append(parts, it.row.Official)
	}
	parts = append(parts, "hạn "+it.row.DueAt.In(motcua.Location).Format("15:04 02/01/2006"))
	if it.stage == motcua.StageApproaching {
		parts = append(parts, "còn "+days(it.late)+" ngày làm việc")
	} else {
		parts = append(parts, "trễ "+days(it.late)+" ngày làm việc")
	}
	return strings.Join(parts, " · ")
}

func group(it item) string {
	switch it.stage {
	case motcua.StageApproaching:
		return "Sắp đến hạn"
	case motcua.StageRepeat:
		return "Vẫn quá hạn (nhắc lại)"
	}
	return "Quá hạn"
}

// digest is the message to a unit's head or channel.
func (a *Alerter) digest(cat *motcua.Catalog, u motcua.Unit, to string, items []item, open [2]uint64, at time.Time) notify.Message {
	order(items)
	var fresh, repeat, soon int
	for _, it := range items {
		switch it.stage {
		case motcua.StageOverdue:
			fresh++
		case motcua.StageRepeat:
			repeat++
		default:
			soon++
		}
	}
	m := notify.Message{Kind: "deadline", To: to, Title: "Hồ sơ quá hạn và sắp đến hạn: " + u.Name,
		Summary: fmt.Sprintf("Đơn vị đang có %d hồ sơ quá hạn và %d hồ sơ sắp đến hạn. Tin này báo %d hồ sơ mới quá hạn, %d hồ sơ sắp đến hạn và nhắc lại %d hồ sơ vẫn quá hạn.",
			open[0], open[1], fresh, soon, repeat),
		Footer: "motcua · số liệu lúc " + at.In(motcua.Location).Format("15:04 02/01/2006")}
	for _, it := range items {
		m.Items = append(m.Items, notify.Item{ID: it.row.ID, Group: group(it), Text: line(cat, it)})
	}
	if l := a.link("/units/" + u.Code); l != "" {
		m.Links = append(m.Links, notify.Link{Text: "Trang của đơn vị", URL: l},
			notify.Link{Text: "Danh sách quá hạn", URL: a.link("/dossiers", "figure", string(motcua.FigOverdueNow), "unit", u.Code)},
			notify.Link{Text: "Danh sách sắp đến hạn", URL: a.link("/dossiers", "figure", string(motcua.FigApproachingNow), "unit", u.Code)})
	}
	return m
}

// escalation is the message to leadership of the long overdue.
func (a *Alerter) escalation(cat *motcua.Catalog, items []item, at time.Time) notify.Message {
	order(items)
	m := notify.Message{Kind: "escalation", To: a.cfg.EscalateTo,
		Title:   fmt.Sprintf("Hồ sơ quá hạn từ %s ngày làm việc trở lên", days(a.cfg.EscalateAfter)),
		Summary: fmt.Sprintf("%d hồ sơ quá hạn từ %s ngày làm việc trở lên chưa được giải quyết.", len(items), days(a.cfg.EscalateAfter)),
		Footer:  "motcua · số liệu lúc " + at.In(motcua.Location).Format("15:04 02/01/2006")}
	for _, it := range items {
		m.Items = append(m.Items, notify.Item{ID: it.row.ID, Group: unitName(cat, it.row.HandlingUnit), Text: line(cat, it)})
	}
	if l := a.link("/dossiers", "figure", string(motcua.FigOverdueNow)); l != "" {
		m.Links = append(m.Links, notify.Link{Text: "Danh sách quá hạn", URL: l})
	}
	return m
}

func unitName(cat *motcua.Catalog, code string) string {
	if u, ok := cat.Unit(code); ok {
		return u.Name
	}
	return code
}

// metrics are the alerter's.
type metrics struct {
	sent, failed         *prometheus.CounterVec
	overdue, approaching *prometheus.GaugeVec
	unrouted             prometheus.Gauge
	duration             prometheus.Histogram
	last                 prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "motcua_alerts_notifications_sent_total",
			Help: "Messages sent, by channel (slack, webhook) and kind (deadline, escalation, update)."}, []string{"channel", "kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "motcua_alerts_notifications_failed_total",
			Help: "Messages that could not be sent after retries, by channel and kind; the next pass tries again."}, []string{"channel", "kind"}),
		overdue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "motcua_alerts_overdue_dossiers",
			Help: "Open dossiers past their due day at the last pass, by handling unit."}, []string{"unit"}),
		approaching: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "motcua_alerts_approaching_dossiers",
			Help: "Open dossiers due within their unit's alert window at the last pass, by handling unit."}, []string{"unit"}),
		unrouted: prometheus.NewGauge(prometheus.GaugeOpts{Name: "motcua_alerts_units_without_recipient",
			Help: "Units with dossiers to alert of and no head_slack_id or alert_channel, at the last pass."}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "motcua_alerts_pass_seconds",
			Help: "Duration of an alert pass.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{Name: "motcua_alerts_last_pass_timestamp_seconds",
			Help: "When the last alert pass ended."}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failed, m.overdue, m.approaching, m.unrouted, m.duration, m.last)
	}
	return m
}

// setGauges sets the open dossiers overdue and approaching by handling
// unit.
func (a *Alerter) setGauges(cat *motcua.Catalog, counts map[string][2]uint64) {
	a.m.overdue.Reset()
	a.m.approaching.Reset()
	for _, u := range cat.Units {
		a.m.overdue.WithLabelValues(u.Code).Set(float64(counts[u.Code][0]))
		a.m.approaching.WithLabelValues(u.Code).Set(float64(counts[u.Code][1]))
	}
}
