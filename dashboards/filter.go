package dashboards

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
)

// Filter is what a page shows: a period, and optionally a level, a unit
// with its subtree, a channel, a procedure and an official. Every link of a
// page carries it on, so a drill-through counts what the figure counted.
type Filter struct {
	Period    motcua.Period
	Level     motcua.UnitLevel
	Unit      string
	Channel   string
	Procedure string
	Official  string
	// Own counts the unit's own dossiers, not its subtree's: a row of the
	// units' table.
	Own bool
	// UnitsAs is motcua.UnitsAsReceived (the default) or UnitsCurrent:
	// each dossier under the unit that stands for its receiver today.
	UnitsAs string
}

// successors is the mapping of the units merged away to today's, when the
// filter counts under today's units.
func (f Filter) successors(cat *motcua.Catalog, now time.Time) map[string]string {
	if f.UnitsAs != motcua.UnitsCurrent {
		return nil
	}
	return cat.Successors(now)
}

// parseFilter reads a filter from a page's query; the period defaults to
// the calendar year of now. Its errors name the parameter.
func parseFilter(q url.Values, cat *motcua.Catalog, now time.Time) (Filter, error) {
	var f Filter
	kind := motcua.PeriodKind(q.Get("period"))
	if kind == "" {
		kind = motcua.PeriodYear
	}
	if kind == motcua.PeriodCustom {
		from, err := time.ParseInLocation(time.DateOnly, q.Get("from"), motcua.Location)
		if err != nil {
			return f, fmt.Errorf("from=%q: want a date YYYY-MM-DD", q.Get("from"))
		}
		to, err := time.ParseInLocation(time.DateOnly, q.Get("to"), motcua.Location)
		if err != nil {
			return f, fmt.Errorf("to=%q: want a date YYYY-MM-DD", q.Get("to"))
		}
		if f.Period, err = motcua.CustomPeriod(from, to); err != nil {
			return f, err
		}
	} else {
		year := now.In(motcua.Location).Year()
		if s := q.Get("year"); s != "" {
			y, err := strconv.Atoi(s)
			if err != nil {
				return f, fmt.Errorf("year=%q: want a year such as 2022", s)
			}
			year = y
		}
		n := 0
		if s := q.Get("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil {
				return f, fmt.Errorf("n=%q: want the number of the month, quarter or half", s)
			}
			n = v
		} else if kind == motcua.PeriodMonth || kind == motcua.PeriodQuarter || kind == motcua.PeriodHalf {
			n = 1
		}
		basis := q.Get("basis")
		if basis != "" && basis != "calendar" && basis != "official" {
			return f, fmt.Errorf("basis=%q: want calendar or official", basis)
		}
		p, err := motcua.NewPeriod(kind, year, n, basis == "official")
		if err != nil {
			return f, err
		}
		f.Period = p
	}
	f.Level = motcua.UnitLevel(q.Get("level"))
	switch f.Level {
	case "", motcua.LevelTown, motcua.LevelCommune, motcua.LevelSector, motcua.LevelPost:
	default:
		return f, fmt.Errorf("level=%q: want town, commune, sector or post", f.Level)
	}
	f.Unit, f.Channel, f.Procedure, f.Official = q.Get("unit"), q.Get("channel"), q.Get("procedure"), q.Get("official")
	f.Own = q.Get("own") == "1" && f.Unit != ""
	switch f.UnitsAs = q.Get("units"); f.UnitsAs {
	case "", motcua.UnitsAsReceived:
		f.UnitsAs = ""
	case motcua.UnitsCurrent:
	default:
		return f, fmt.Errorf("units=%q: want as_received or current", f.UnitsAs)
	}
	if f.Unit != "" && !cat.HasUnit(f.Unit) {
		return f, fmt.Errorf("unit=%q: no such unit in the catalogue", f.Unit)
	}
	if f.Channel != "" && !motcua.Channel(f.Channel).Valid() {
		return f, fmt.Errorf("channel=%q: want online, direct or postal", f.Channel)
	}
	if f.Procedure != "" && !cat.HasProcedure(f.Procedure) {
		return f, fmt.Errorf("procedure=%q: no such procedure in the catalogue", f.Procedure)
	}
	if f.Official != "" {
		if _, ok := cat.Official(f.Official); !ok {
			return f, fmt.Errorf("official=%q: no such official in the catalogue", f.Official)
		}
	}
	return f, nil
}

// Values writes the filter back as a query.
func (f Filter) Values() url.Values {
	v := url.Values{}
	p := f.Period
	v.Set("period", string(p.Kind))
	if p.Kind == motcua.PeriodCustom {
		v.Set("from", p.From.Format(time.DateOnly))
		v.Set("to", p.To.Format(time.DateOnly))
	} else {
		v.Set("year", strconv.Itoa(p.Year))
		if p.N > 0 {
			v.Set("n", strconv.Itoa(p.N))
		}
		if p.Official {
			v.Set("basis", "official")
		}
	}
	if f.Own {
		v.Set("own", "1")
	}
	for k, s := range map[string]string{"level": string(f.Level), "unit": f.Unit, "channel": f.Channel, "procedure": f.Procedure, "official": f.Official, "units": f.UnitsAs} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Link returns path with the filter and the extra pairs (key, value, ...)
// as its query; an empty value removes a key.
func (f Filter) Link(path string, kv ...string) string {
	v := f.Values()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return path + "?" + v.Encode()
}

// Window is the filter's period as a span of time.
func (f Filter) Window() motcua.Window {
	return motcua.Window{From: f.Period.From, To: f.Period.To.AddDate(0, 0, 1)}
}

// Units returns the units whose dossiers the filter counts for user: the
// unit's subtree (or every unit) within what the user sees, of the level
// asked for; nil when that is every unit.
func (f Filter) Units(cat *motcua.Catalog, user access.User) []string {
	if f.Unit == "" && user.Scope() == "" && f.Level == "" {
		return nil
	}
	var in []string
	if f.Unit != "" && f.Own {
		in = []string{f.Unit}
	} else if f.Unit != "" {
		in = cat.Subtree(f.Unit)
	} else if user.Scope() != "" {
		in = cat.Subtree(user.Scope())
	} else {
		for _, u := range cat.Units {
			in = append(in, u.Code)
		}
	}
	out := []string{}
	for _, code := range in {
		u, _ := cat.Unit(code)
		if (f.Level == "" || u.Level == f.Level) && user.Sees(cat, code) {
			out = append(out, code)
		}
	}
	return out
}

// Describe is the filter in words, for the lines under a title and a file.
func (f Filter) Describe(cat *motcua.Catalog) []string {
	lines := []string{"Kỳ: " + f.Period.Label() + periodDays(f.Period)}
	if f.Level != "" {
		lines = append(lines, "Cấp: "+f.Level.LevelName())
	}
	if f.Unit != "" {
		u, _ := cat.Unit(f.Unit)
		if f.Own {
			lines = append(lines, "Đơn vị: "+u.Name+" (không kể các đơn vị trực thuộc)")
		} else {
			lines = append(lines, "Đơn vị: "+u.Name+" (và các đơn vị trực thuộc)")
		}
	}
	if f.Channel != "" {
		lines = append(lines, "Kênh tiếp nhận: "+channelName(motcua.Channel(f.Channel)))
	}
	if f.UnitsAs == motcua.UnitsCurrent {
		lines = append(lines, "Hồ sơ tính theo đơn vị hiện nay: hồ sơ của đơn vị đã sáp nhập tính cho đơn vị kế thừa")
	}
	if f.Procedure != "" {
		p, _ := cat.Procedure(f.Procedure)
		lines = append(lines, "Thủ tục: "+p.Name)
	}
	if f.Official != "" {
		o, _ := cat.Official(f.Official)
		lines = append(lines, "Công chức: "+o.Name)
	}
	return lines
}

func periodDays(p motcua.Period) string {
	if p.Kind == motcua.PeriodCustom || p.Official {
		return ""
	}
	return fmt.Sprintf(" (từ %s đến %s)", motcua.FormatDate(p.From), motcua.FormatDate(p.To))
}

func channelName(c motcua.Channel) string {
	switch c {
	case motcua.Online:
		return "trực tuyến"
	case motcua.Direct:
		return "trực tiếp"
	case motcua.Postal:
		return "bưu chính công ích"
	}
	return string(c)
}

// periodKinds are the choices of the period picker.
var periodKinds = []struct {
	Kind  motcua.PeriodKind
	Label string
}{
	{motcua.PeriodMonth, "Tháng"}, {motcua.PeriodQuarter, "Quý"}, {motcua.PeriodHalf, "6 tháng"},
	{motcua.PeriodNineMonths, "9 tháng"}, {motcua.PeriodYear, "Năm"}, {motcua.PeriodCustom, "Tùy chọn"},
}

// levels are the levels the overview offers.
var levels = []motcua.UnitLevel{motcua.LevelTown, motcua.LevelCommune, motcua.LevelSector}

func yearsAround(now time.Time) []int {
	var ys []int
	for y := now.Year(); y >= 2020; y-- {
		ys = append(ys, y)
	}
	return slices.Clip(ys)
}
