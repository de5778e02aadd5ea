package dashboards

import (
	"html/template"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/export"
)

// picker is the period and filter form on every page.
type picker struct {
	Kinds    []option
	Years    []option
	Ns       []option
	Bases    []option
	Levels   []option
	Units    []option
	Channels []option
	UnitsAs  []option
	From, To string
	Custom   bool
}

type option struct {
	Value, Label string
	Selected     bool
}

func newPicker(f Filter, now time.Time, cat *motcua.Catalog, u access.User) picker {
	p := f.Period
	var pk picker
	for _, k := range periodKinds {
		pk.Kinds = append(pk.Kinds, option{string(k.Kind), k.Label, k.Kind == p.Kind})
	}
	for _, y := range yearsAround(now.In(motcua.Location)) {
		pk.Years = append(pk.Years, option{strconv.Itoa(y), strconv.Itoa(y), y == p.Year})
	}
	for n := 1; n <= 12; n++ {
		pk.Ns = append(pk.Ns, option{strconv.Itoa(n), strconv.Itoa(n), n == p.N})
	}
	pk.Bases = []option{{"calendar", "Theo lịch", !p.Official}, {"official", "Kỳ báo cáo (15 – 14)", p.Official}}
	pk.Levels = []option{{"", "Tất cả các cấp", f.Level == ""}}
	for _, l := range levels {
		pk.Levels = append(pk.Levels, option{string(l), l.LevelName(), f.Level == l})
	}
	pk.Units = []option{{"", "Tất cả đơn vị được xem", f.Unit == ""}}
	for _, unit := range cat.Units {
		if u.Sees(cat, unit.Code) {
			pk.Units = append(pk.Units, option{unit.Code, unit.Name, f.Unit == unit.Code})
		}
	}
	pk.Channels = []option{{"", "Mọi kênh", f.Channel == ""}}
	for _, c := range []motcua.Channel{motcua.Online, motcua.Direct, motcua.Postal} {
		pk.Channels = append(pk.Channels, option{string(c), "Kênh " + channelName(c), f.Channel == string(c)})
	}
	pk.UnitsAs = []option{{"", "Đơn vị như khi tiếp nhận", f.UnitsAs == ""}, {motcua.UnitsCurrent, "Đơn vị hiện nay (sau sắp xếp 2025)", f.UnitsAs == motcua.UnitsCurrent}}
	pk.From, pk.To = p.From.Format(time.DateOnly), p.To.Format(time.DateOnly)
	pk.Custom = p.Kind == motcua.PeriodCustom
	return pk
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"cell":  func(c export.Cell, k export.Kind) string { return export.FormatCell(c, k) },
	"count": motcua.FormatCount,
	"share": func(v float64) string { return motcua.FormatShare(v, 1) },
	"date":  motcua.FormatDate,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(motcua.Location).Format("15:04 02/01/2006")
	},
}
