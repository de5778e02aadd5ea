// Package demo generates the demo data set: the year 2022 of Duyên Hải town
// as its report gives it (../shared/seed/FIGURES.md), spread over officials,
// procedures, months and channels, with due dates computed by the working-day
// calendar; and a live slice of open dossiers relative to now, so that alerts
// and dashboards have work on any day.
//
// The data set is deterministic for a seed and a day. What the report fixes,
// the generator fixes exactly (counts by level, channel and outcome, the 828
// postal dossiers, the 46 online procedures); what it does not, the generator
// draws: which unit, procedure, official and day, and processing times drawn
// from each procedure's statutory time.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// Config sets what the generator varies.
type Config struct {
	Seed uint64
	Now  time.Time // the live slice is relative to it
}

// plan is the dossiers of one kind to make.
type plan struct {
	units    []string // receiving units, with weights
	weights  []float64
	channel  motcua.Channel
	n        int
	outcomes []motcua.Outcome // one per dossier; "" leaves it open at the end of the window
	recvFrom time.Time
	recvTo   time.Time
	resFrom  time.Time // resolutions fall in [resFrom, resTo)
	resTo    time.Time
	procs    []motcua.Procedure // procedures to draw from
	cover    bool               // use every procedure of procs at least once
	returnBy motcua.ReturnChannel
	prefix   string
}

type gen struct {
	r    *rand.Rand
	cat  *motcua.Catalog
	cal  *motcua.Calendar
	out  []motcua.Event
	seq  int
	offs map[string][]motcua.Official
}

func local(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, motcua.Location)
}

// monthWeight makes fewer dossiers around Tết (late January, February).
var monthWeight = [13]float64{0, 0.75, 0.55, 1.1, 1.05, 1.05, 1.0, 1.0, 1.05, 1.0, 1.1, 1.1, 1.05}

// Generate returns the events of the demo data set.
func Generate(cat *motcua.Catalog, cal *motcua.Calendar, cfg Config) ([]motcua.Event, error) {
	g := &gen{r: rand.New(rand.NewPCG(cfg.Seed, 2022)), cat: cat, cal: cal, offs: map[string][]motcua.Official{}}
	for _, o := range cat.Officials {
		g.offs[o.Unit] = append(g.offs[o.Unit], o)
	}
	communes := []string{"P1", "P2", "LH", "LT", "DT", "TLH", "HT"}
	communeW := []float64{0.2, 0.18, 0.13, 0.13, 0.13, 0.12, 0.11}
	sectors := []string{"ND.DD", "ND.THUE", "ND.BHXH", "ND.CA", "ND.THA"}
	for _, u := range append(append([]string{"TX.MC"}, communes...), sectors...) {
		if !cat.HasUnit(u) {
			return nil, fmt.Errorf("cannot generate the demo: unit %q is not in the catalogue", u)
		}
	}
	town := g.procs(motcua.LevelTown, 0)
	commune := g.procs(motcua.LevelCommune, 0)
	townOnline := g.pick(g.procs(motcua.LevelTown, 3), 25)
	communeOnline := g.pick(g.procs(motcua.LevelCommune, 3), 21)
	sector := g.procs(motcua.LevelSector, 0)

	y21, y22, y23 := local(2021, 12, 1), local(2022, 1, 1), local(2023, 1, 1)
	feb23 := local(2023, 2, 1)
	outcomes := func(counts ...any) []motcua.Outcome {
		var o []motcua.Outcome
		for i := 0; i < len(counts); i += 2 {
			for range counts[i+1].(int) {
				o = append(o, counts[i].(motcua.Outcome))
			}
		}
		g.r.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		return o
	}
	// Town: 32 carried over, 2,297 new (1,144 online, 853 in person, 300 by post), 2,295
	// resolved in 2022 (1,049 early, 1,210 on time, 36 late), 34 open at the end of the year.
	// The 300 postal dossiers are on time; the others share the rest.
	townRest := outcomes(motcua.Early, 1049, motcua.OnTime, 910, motcua.Late, 36) // 1,995 = 32 carried + 1,963 new
	townNew := append(townRest[32:], outcomes(motcua.Outcome(""), 34)...)         // 1,997 new, not postal
	g.r.Shuffle(len(townNew), func(i, j int) { townNew[i], townNew[j] = townNew[j], townNew[i] })
	// Communes: 10 carried over, 29,781 new (12,759 online, 16,494 in person, 528 by post),
	// all 29,791 resolved in 2022: 21,020 early, 8,771 on time (the 528 postal among them).
	commRest := outcomes(motcua.Early, 21020, motcua.OnTime, 8771-528)
	plans := []plan{
		{units: []string{"TX.MC"}, channel: motcua.Direct, n: 32, outcomes: townRest[:32], recvFrom: y21, recvTo: y22, resFrom: y22, resTo: y23, procs: town, prefix: "TX"},
		{units: []string{"TX.MC"}, channel: motcua.Online, n: 1144, outcomes: townNew[:1144], recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: townOnline, cover: true, prefix: "TX"},
		{units: []string{"TX.MC"}, channel: motcua.Direct, n: 853, outcomes: townNew[1144:], recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: town, prefix: "TX"},
		{units: []string{"TX.MC"}, channel: motcua.Postal, n: 300, outcomes: outcomes(motcua.OnTime, 300), recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: town, returnBy: motcua.ReturnPostal, prefix: "TX"},
		{units: communes, weights: communeW, channel: motcua.Direct, n: 10, outcomes: commRest[:10], recvFrom: y21, recvTo: y22, resFrom: y22, resTo: y23, procs: commune, prefix: "XA"},
		{units: communes, weights: communeW, channel: motcua.Online, n: 12759, outcomes: commRest[10 : 10+12759], recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: communeOnline, cover: true, prefix: "XA"},
		{units: communes, weights: communeW, channel: motcua.Direct, n: 16494, outcomes: commRest[10+12759:], recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: commune, prefix: "XA"},
		{units: communes, weights: communeW, channel: motcua.Postal, n: 528, outcomes: outcomes(motcua.OnTime, 528), recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: commune, returnBy: motcua.ReturnPostal, prefix: "XA"},
		// Vertically managed agencies: 18,984 received in 2022, all resolved on time.
		{units: sectors, weights: []float64{0.35, 0.2, 0.25, 0.15, 0.05}, channel: motcua.Direct, n: 18984, outcomes: outcomes(motcua.OnTime, 18984), recvFrom: y22, recvTo: y23, resFrom: y22, resTo: y23, procs: sector, prefix: "ND"},
	}
	// 2025, across the reform: the seven communes and wards receive until 30 June (some of their
	// dossiers resolved after it), the three units that stand for them from 1 July.
	y25, jul25, y26, mar26 := local(2025, 1, 1), local(2025, 7, 1), local(2026, 1, 1), local(2026, 3, 1)
	if u, ok := cat.Unit("P1"); ok && !u.End().IsZero() && u.End().Equal(jul25) && cfg.Now.After(mar26) {
		centres := []string{"PDH.TT", "PTLH.TT", "XLH.TT"}
		mix := func(n int) []motcua.Outcome {
			return outcomes(motcua.Early, n*60/100, motcua.OnTime, n-n*60/100-n*4/100, motcua.Late, n*4/100)
		}
		plans = append(plans,
			plan{units: communes, weights: communeW, channel: motcua.Online, n: 3000, outcomes: mix(3000), recvFrom: y25, recvTo: jul25, resFrom: y25, resTo: y26, procs: communeOnline, prefix: "XA25"},
			plan{units: communes, weights: communeW, channel: motcua.Direct, n: 4000, outcomes: mix(4000), recvFrom: y25, recvTo: jul25, resFrom: y25, resTo: y26, procs: commune, prefix: "XA25"},
			plan{units: centres, weights: []float64{0.45, 0.3, 0.25}, channel: motcua.Online, n: 3500, outcomes: mix(3500), recvFrom: jul25, recvTo: y26, resFrom: jul25, resTo: mar26, procs: communeOnline, prefix: "TT25"},
			plan{units: centres, weights: []float64{0.45, 0.3, 0.25}, channel: motcua.Direct, n: 3500, outcomes: mix(3500), recvFrom: jul25, recvTo: y26, resFrom: jul25, resTo: mar26, procs: commune, prefix: "TT25"},
		)
	}
	for i := range plans {
		p := &plans[i]
		if len(p.outcomes) != p.n {
			return nil, fmt.Errorf("cannot generate the demo: plan %d has %d outcomes for %d dossiers", i, len(p.outcomes), p.n)
		}
		// Dossiers left open at the end of 2022 are resolved in January 2023.
		for j := 0; j < p.n; j++ {
			q := *p
			if p.outcomes[j] == "" {
				q.resFrom, q.resTo = y23, feb23
			}
			unit := p.units[0]
			if len(p.units) > 1 {
				unit = p.units[g.weighted(p.weights)]
			}
			proc := p.procs[g.r.IntN(len(p.procs))]
			fixed := p.cover && j < len(p.procs)
			if fixed {
				proc = p.procs[j]
			}
			if err := g.dossier(&q, unit, proc, !fixed, p.outcomes[j]); err != nil {
				return nil, err
			}
		}
	}
	// The live slice in the units that receive dossiers today: the one-stop shop, communes and
	// agencies of 2022 before the 2025 reform, the public administration service centres of the new
	// wards and communes after it.
	var receivers []string
	for _, u := range append(append([]string{"TX.MC"}, communes...), sectors...) {
		if cu, _ := cat.Unit(u); cu.AliveAt(cfg.Now) {
			receivers = append(receivers, u)
		}
	}
	for _, u := range cat.Units {
		if u.Level == motcua.LevelCommune && !slices.Contains(communes, u.Code) && len(cat.Subtree(u.Code)) == 1 && u.AliveAt(cfg.Now) {
			receivers = append(receivers, u.Code)
		}
	}
	g.live(cfg.Now, receivers)
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].At.Before(g.out[j].At) })
	return g.out, nil
}

func (g *gen) procs(level motcua.UnitLevel, minOnline int) []motcua.Procedure {
	var out []motcua.Procedure
	for _, p := range g.cat.Procedures {
		if p.Level == level && p.OnlineLevel >= minOnline && p.ProcessingDays() >= 1 {
			out = append(out, p)
		}
	}
	return out
}

func (g *gen) pick(ps []motcua.Procedure, n int) []motcua.Procedure {
	ps = append([]motcua.Procedure(nil), ps...)
	g.r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return ps[:min(n, len(ps))]
}

func (g *gen) weighted(w []float64) int {
	x := g.r.Float64()
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// receptionTime draws a time in [from, to) with fewer dossiers around Tết:
// in working hours for counters and post, at any hour of the day for online.
func (g *gen) receptionTime(from, to time.Time, ch motcua.Channel) time.Time {
	days := int(to.Sub(from).Hours()/24 + 0.5)
	for {
		d := from.AddDate(0, 0, g.r.IntN(days))
		if g.r.Float64()*1.1 > monthWeight[d.Month()] {
			continue
		}
		if ch == motcua.Online {
			return d.Add(time.Duration(6*3600+g.r.IntN(17*3600)) * time.Second)
		}
		if !g.cal.IsWorkingDay(d) {
			continue
		}
		for {
			t := d.Add(time.Duration(7*3600+g.r.IntN(10*3600)) * time.Second)
			if g.cal.IsWorking(t) {
				return t
			}
		}
	}
}

// workingMoment returns a working moment on the calendar day of day, at or
// after not, or false if there is none.
func (g *gen) workingMoment(day time.Time, notBefore time.Time) (time.Time, bool) {
	day = motcua.DayOf(day)
	if !g.cal.IsWorkingDay(day) {
		return time.Time{}, false
	}
	for range 20 {
		t := day.Add(time.Duration(7*3600+g.r.IntN(10*3600)) * time.Second)
		if g.cal.IsWorking(t) && t.After(notBefore) {
			return t, true
		}
	}
	end := day.Add(17 * time.Hour)
	if notBefore.Before(end.Add(-time.Minute)) && motcua.SameDay(notBefore, end) {
		return notBefore.Add(time.Minute), true
	}
	return time.Time{}, false
}

// resolution draws when a dossier received at recv and due at due is
// resolved to have the outcome; false when it cannot.
func (g *gen) resolution(recv, due time.Time, o motcua.Outcome) (time.Time, bool) {
	dueDay := motcua.DayOf(due)
	switch o {
	case motcua.Early:
		// A working day from the day after reception to the day before the due day.
		span := g.cal.WorkingTime(recv, dueDay)
		if span <= time.Hour {
			return time.Time{}, false
		}
		t := g.cal.Add(recv, time.Duration(g.r.Int64N(int64(span-30*time.Minute)))+15*time.Minute)
		return t, !motcua.SameDay(t, due) && t.Before(dueDay)
	case motcua.Late:
		t := g.cal.AddDays(dueDay.Add(17*time.Hour), float64(1+g.r.IntN(5))-0.5)
		return t, true
	}
	return g.workingMoment(due, recv)
}

func (g *gen) id(prefix string) string {
	g.seq++
	return fmt.Sprintf("DH-%s-%06d", prefix, g.seq)
}

func (g *gen) official(unit string) string {
	os := g.offs[unit]
	if len(os) == 0 {
		return ""
	}
	return os[g.r.IntN(len(os))].Code
}

// office returns the specialised office that handles a town procedure's field.
func office(field string) string {
	switch {
	case strings.Contains(field, "Hộ tịch") || strings.Contains(field, "Chứng thực") || strings.Contains(field, "Tư pháp"):
		return "TX.TP"
	case strings.Contains(field, "Đất đai") || strings.Contains(field, "Tài nguyên"):
		return "TX.TNMT"
	case strings.Contains(field, "Xây dựng") || strings.Contains(field, "Đường bộ"):
		return "TX.QLDT"
	case strings.Contains(field, "hộ kinh doanh") || strings.Contains(field, "hợp tác xã"):
		return "TX.TCKH"
	case strings.Contains(field, "Bảo trợ") || strings.Contains(field, "Người có công"):
		return "TX.LDTBXH"
	case strings.Contains(field, "Giáo dục"):
		return "TX.GDDT"
	case strings.Contains(field, "Văn hóa"):
		return "TX.VHTT"
	case strings.Contains(field, "Y tế") || strings.Contains(field, "An toàn thực phẩm"):
		return "TX.YT"
	case strings.Contains(field, "Tín ngưỡng") || strings.Contains(field, "Thi đua"):
		return "TX.NV"
	}
	return "TX.KT"
}

// dossier makes the events of one dossier of the plan with the outcome ("":
// resolved in [resFrom, resTo) whatever the outcome, on time or early).
func (g *gen) dossier(p *plan, unit string, proc motcua.Procedure, redraw bool, o motcua.Outcome) error {
	want := o
	if want == "" {
		want = motcua.OnTime
	}
	for try := 0; try < 10000; try++ {
		if redraw && try > 0 && try%100 == 0 {
			proc = p.procs[g.r.IntN(len(p.procs))]
		}
		recv := g.receptionTime(p.recvFrom, p.recvTo, p.channel)
		days := proc.ProcessingDays()
		due := g.cal.AddDays(recv, days)
		// About one dossier in thirty waits for a supplement, which moves its due date.
		var supReq, supRecv time.Time
		if g.r.IntN(30) == 0 {
			supReq = g.cal.AddDays(recv, days/3)
			supRecv = g.cal.AddDays(supReq, float64(1+g.r.IntN(4)))
			due = g.cal.Add(due, g.cal.WorkingTime(supReq, supRecv))
		}
		res, ok := g.resolution(recv, due, want)
		if !ok || res.Before(p.resFrom) || !res.Before(p.resTo) || !res.After(recv) || (!supRecv.IsZero() && !res.After(supRecv)) {
			continue
		}
		ret := res
		if g.r.IntN(3) > 0 {
			ret = g.cal.AddDays(res, 0.5)
		}
		if !ret.Before(p.resTo) || (p.returnBy == motcua.ReturnPostal && !ret.Before(local(2023, 1, 1))) {
			ret = res.Add(time.Minute)
		}
		id := g.id(p.prefix)
		official := g.official(unit)
		recvEv := motcua.Event{EventID: id + "/1", DossierID: id, Type: motcua.Received, At: recv, Unit: unit, Procedure: proc.Code,
			Official: official, Channel: p.channel, DueAt: g.cal.AddDays(recv, days)}
		if proc.OnlineLevel >= 3 && g.r.IntN(3) == 0 {
			fee := int64(10000 * (1 + g.r.IntN(10)))
			paid := p.channel == motcua.Online && g.r.IntN(2) == 0
			recvEv.FeeVND, recvEv.PaidOnline = &fee, &paid
		}
		dig := g.r.IntN(5) < 2
		recvEv.Digitized = &dig
		evs := []motcua.Event{recvEv}
		handler := unit
		if unit == "TX.MC" && g.r.IntN(5) < 3 {
			handler = office(proc.Field)
			evs = append(evs, motcua.Event{Type: motcua.Transferred, At: g.cal.Add(recv, 2*time.Hour), Unit: handler})
		}
		if !supReq.IsZero() {
			evs = append(evs,
				motcua.Event{Type: motcua.SupplementRequested, At: supReq, Unit: handler},
				motcua.Event{Type: motcua.SupplementReceived, At: supRecv, Unit: handler, DueAt: due})
		}
		evs = append(evs, motcua.Event{Type: motcua.Resolved, At: res, Unit: handler, Official: g.official(handler)})
		rc := p.returnBy
		if rc == "" {
			rc = motcua.ReturnCounter
			if p.channel == motcua.Online && g.r.IntN(4) == 0 {
				rc = motcua.ReturnOnline
			}
		}
		evs = append(evs, motcua.Event{Type: motcua.Returned, At: ret, Unit: unit, ReturnChannel: rc})
		for i := range evs {
			if i > 0 {
				evs[i].EventID = fmt.Sprintf("%s/%d", id, i+1)
				evs[i].DossierID, evs[i].Procedure = id, proc.Code
			}
			g.out = append(g.out, evs[i])
		}
		return nil
	}
	return fmt.Errorf("cannot generate the demo: no %s dossier of %s with procedure %s fits", want, unit, proc.Code)
}

// live adds, for each receiving unit, dossiers open now: due today, due
// tomorrow, overdue by one to ten working days, and others in progress, plus
// some resolved in the last weeks.
func (g *gen) live(now time.Time, units []string) {
	today := motcua.DayOf(now)
	prefix := "LIVE-" + today.Format("20060102")
	for _, unit := range units {
		procs := g.procs(g.unitLevel(unit), 0)
		if unit == "TX.MC" {
			procs = g.procs(motcua.LevelTown, 0)
		}
		// Working days back from today: 0 is today (or the next working day).
		target := func(k int) time.Time {
			d := today
			if k >= 0 {
				for n := 0; ; d = d.AddDate(0, 0, 1) {
					if g.cal.IsWorkingDay(d) {
						if n == k {
							return d
						}
						n++
					}
				}
			}
			for n := 0; n < -k; {
				d = d.AddDate(0, 0, -1)
				if g.cal.IsWorkingDay(d) {
					n++
				}
			}
			return d
		}
		// As many live dossiers in all whatever the number of receivers.
		var dues []time.Time
		for range max(1, 9/len(units)) {
			for range 3 {
				dues = append(dues, target(0), target(1))
			}
			for k := 1; k <= 10; k += 2 {
				dues = append(dues, target(-k))
			}
			for range 8 {
				dues = append(dues, target(2+g.r.IntN(12)))
			}
		}
		for _, dueDay := range dues {
			proc := procs[g.r.IntN(len(procs))]
			days := proc.ProcessingDays()
			// Walk reception back until the calendar puts the due date on dueDay.
			recv := dueDay.Add(9 * time.Hour)
			for i := 0; i < 400 && !motcua.SameDay(g.cal.AddDays(recv, days), dueDay); i++ {
				recv = recv.Add(-time.Hour)
			}
			due := g.cal.AddDays(recv, days)
			if !motcua.SameDay(due, dueDay) || recv.After(now) {
				continue
			}
			id := g.id(prefix)
			g.out = append(g.out, motcua.Event{EventID: id + "/1", DossierID: id, Type: motcua.Received, At: recv, Unit: unit,
				Procedure: proc.Code, Official: g.official(unit), Channel: []motcua.Channel{motcua.Online, motcua.Direct}[g.r.IntN(2)], DueAt: due})
		}
		// Resolved in the last four weeks, for current activity.
		for range 12 {
			proc := procs[g.r.IntN(len(procs))]
			recv := g.receptionTime(today.AddDate(0, 0, -35), today.AddDate(0, 0, -7), motcua.Direct)
			due := g.cal.AddDays(recv, proc.ProcessingDays())
			res, ok := g.resolution(recv, due, []motcua.Outcome{motcua.Early, motcua.OnTime, motcua.OnTime, motcua.Late}[g.r.IntN(4)])
			if !ok || res.After(now) {
				continue
			}
			id := g.id(prefix)
			g.out = append(g.out,
				motcua.Event{EventID: id + "/1", DossierID: id, Type: motcua.Received, At: recv, Unit: unit, Procedure: proc.Code,
					Official: g.official(unit), Channel: motcua.Direct, DueAt: due},
				motcua.Event{EventID: id + "/2", DossierID: id, Type: motcua.Resolved, At: res, Unit: unit, Procedure: proc.Code})
		}
	}
}

func (g *gen) unitLevel(code string) motcua.UnitLevel {
	u, _ := g.cat.Unit(code)
	return u.Level
}
