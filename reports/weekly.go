// Package reports makes the reports that units otherwise compile by hand:
// the weekly online-intake report per official, the periodic form 06 and
// the report text. Each builds its tables once (export.Doc) and is
// rendered as a page, XLSX, CSV, JSON or text from them; the figures come
// from the summary, the one implementation of the definitions.
package reports

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// Source is what the reports read.
type Source interface {
	Summary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error)
}

// Week is an ISO week, Monday to Sunday in Asia/Ho_Chi_Minh.
type Week struct {
	Year, Week int
	From       time.Time // Monday, midnight
}

// To is the week's Sunday (midnight).
func (w Week) To() time.Time { return w.From.AddDate(0, 0, 6) }

// Window is the week as a span of time.
func (w Week) Window() motcua.Window { return motcua.Window{From: w.From, To: w.From.AddDate(0, 0, 7)} }

// Prev is the week before.
func (w Week) Prev() Week { return WeekOf(w.From.AddDate(0, 0, -7)) }

// String writes the week as 2024-W10.
func (w Week) String() string { return fmt.Sprintf("%d-W%02d", w.Year, w.Week) }

// Label names the week in Vietnamese: "Tuần 10/2024 (04/03/2024 – 10/03/2024)".
func (w Week) Label() string {
	return fmt.Sprintf("Tuần %d/%d (%s – %s)", w.Week, w.Year, motcua.FormatDate(w.From), motcua.FormatDate(w.To()))
}

// WeekOf returns the ISO week of t.
func WeekOf(t time.Time) Week {
	day := motcua.DayOf(t)
	y, n := day.ISOWeek()
	return Week{Year: y, Week: n, From: day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))}
}

// LastCompleteWeek is the last week that ended before now.
func LastCompleteWeek(now time.Time) Week { return WeekOf(now).Prev() }

var weekPattern = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// ParseWeek reads an ISO week such as 2024-W10. Its errors wrap
// motcua.ErrInvalid.
func ParseWeek(s string) (Week, error) {
	m := weekPattern.FindStringSubmatch(s)
	if m == nil {
		return Week{}, fmt.Errorf("%w: week %q: want an ISO week such as 2024-W10", motcua.ErrInvalid, s)
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	// The week holding 4 January is week 1.
	w := WeekOf(time.Date(y, 1, 4, 12, 0, 0, 0, motcua.Location))
	w = WeekOf(w.From.AddDate(0, 0, 7*(n-1)))
	if n < 1 || w.Year != y || w.Week != n {
		return Week{}, fmt.Errorf("%w: week %q: %d has no week %d", motcua.ErrInvalid, s, y, n)
	}
	return w, nil
}

// OfficialWeek is an official's intake in a week against their target.
type OfficialWeek struct {
	Official string `json:"official"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	Received uint64 `json:"received"`
	Online   uint64 `json:"online"`
	Direct   uint64 `json:"direct"`
	Postal   uint64 `json:"postal"`
	// WeeklyTarget is the catalogue's target for a full week; Target is it
	// pro-rated to the week's working days over five.
	WeeklyTarget int     `json:"weekly_target"`
	Target       float64 `json:"target"`
	Met          bool    `json:"met"`
	// By is online less Target: above 0 by how much it was met, below by
	// how much it was missed.
	By float64 `json:"by"`
	// PrevOnline is the previous week's online count; Change the
	// difference.
	PrevOnline uint64 `json:"prev_online"`
	Change     int64  `json:"change"`
	// Rank is the official's place in their unit by online count (1 is the
	// most).
	Rank int `json:"rank"`
}

// UnitWeek is a unit's week: its totals against its online-share target,
// and its officials, those below target first.
type UnitWeek struct {
	Unit        string         `json:"unit"`
	Name        string         `json:"name"`
	Received    uint64         `json:"received"`
	Online      uint64         `json:"online"`
	Direct      uint64         `json:"direct"`
	Postal      uint64         `json:"postal"`
	OnlineShare motcua.Share   `json:"online_share"`
	Target      *float64       `json:"online_share_target,omitempty"`
	Met         *bool          `json:"met,omitempty"`
	Below       int            `json:"officials_below_target"`
	Officials   []OfficialWeek `json:"officials"`
}

// Weekly is the weekly online-intake report.
type Weekly struct {
	Week        string     `json:"week"`
	Label       string     `json:"label"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	WorkingDays int        `json:"working_days"`
	DaysOff     []string   `json:"days_off,omitempty"` // the holidays of the week, named
	Note        string     `json:"note"`
	Units       []UnitWeek `json:"units"`
}

// BuildWeekly makes the weekly report of week for the officials of unit
// and its subtree (every unit when unit is empty). Officials are those of
// the catalogue, with or without dossiers; a dossier counts for the
// official of its received event.
func BuildWeekly(ctx context.Context, src Source, cat *motcua.Catalog, cal *motcua.Calendar, week Week, unit string) (*Weekly, error) {
	var units []string
	if unit != "" {
		if !cat.HasUnit(unit) {
			return nil, fmt.Errorf("%w: unit %q: no such unit in the catalogue", motcua.ErrInvalid, unit)
		}
		units = cat.Subtree(unit)
	}
	rows, err := src.Summary(ctx, motcua.SummaryQuery{Windows: []motcua.Window{week.Window(), week.Prev().Window()},
		Units: units, By: motcua.GroupOfficial})
	if err != nil {
		return nil, err
	}
	this, prev := map[string]motcua.Counts{}, map[string]motcua.Counts{}
	for _, r := range rows {
		if r.Window == 0 {
			this[r.Key] = r
		} else {
			prev[r.Key] = r
		}
	}
	w := &Weekly{Week: week.String(), Label: week.Label(), From: week.From.Format(time.DateOnly), To: week.To().Format(time.DateOnly)}
	for d := week.From; d.Before(week.Window().To); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d.Add(12 * time.Hour)) {
			w.WorkingDays++
		}
	}
	for _, day := range cat.Days {
		if !day.Date.Before(week.From) && day.Date.Before(week.Window().To) {
			w.DaysOff = append(w.DaysOff, fmt.Sprintf("%s: %s", motcua.FormatDate(day.Date), day.Name))
		}
	}
	w.Note = fmt.Sprintf("Chỉ tiêu tuần của mỗi công chức được tính theo số ngày làm việc của tuần (%d) trên 5.", w.WorkingDays)
	inScope := map[string]bool{}
	for _, u := range units {
		inScope[u] = true
	}
	byUnit := map[string]*UnitWeek{}
	var order []string
	for _, o := range cat.Officials {
		if units != nil && !inScope[o.Unit] {
			continue
		}
		// The units of the week: after the 2025 reform, the officials of
		// the units that ended are not listed.
		if u, _ := cat.Unit(o.Unit); !u.AliveAt(week.From) && !u.AliveAt(week.To()) {
			continue
		}
		u := byUnit[o.Unit]
		if u == nil {
			cu, _ := cat.Unit(o.Unit)
			u = &UnitWeek{Unit: o.Unit, Name: cu.Name}
			byUnit[o.Unit] = u
			order = append(order, o.Unit)
		}
		c, p := this[o.Code], prev[o.Code]
		target := math.Round(float64(o.WeeklyOnlineTarget)*float64(w.WorkingDays)/5*10) / 10
		ow := OfficialWeek{Official: o.Code, Name: o.Name, Unit: o.Unit, Received: c.New, Online: c.NewOnline, Direct: c.NewDirect,
			Postal: c.NewPostal, WeeklyTarget: o.WeeklyOnlineTarget, Target: target, Met: float64(c.NewOnline) >= target,
			By: math.Round((float64(c.NewOnline)-target)*10) / 10, PrevOnline: p.NewOnline, Change: int64(c.NewOnline) - int64(p.NewOnline)}
		u.Officials = append(u.Officials, ow)
		u.Received += c.New
		u.Online += c.NewOnline
		u.Direct += c.NewDirect
		u.Postal += c.NewPostal
	}
	for _, code := range order {
		u := byUnit[code]
		// Rank by online count, then below target first.
		sort.SliceStable(u.Officials, func(i, j int) bool { return u.Officials[i].Online > u.Officials[j].Online })
		for i := range u.Officials {
			u.Officials[i].Rank = i + 1
			if i > 0 && u.Officials[i].Online == u.Officials[i-1].Online {
				u.Officials[i].Rank = u.Officials[i-1].Rank
			}
			if !u.Officials[i].Met {
				u.Below++
			}
		}
		sort.SliceStable(u.Officials, func(i, j int) bool {
			if u.Officials[i].Met != u.Officials[j].Met {
				return !u.Officials[i].Met
			}
			return u.Officials[i].Rank < u.Officials[j].Rank
		})
		u.OnlineShare = motcua.ShareOf(u.Online, u.Received, "new", 1)
		if t, ok := cat.TargetFor(code, week.To().Year()); ok && t.OnlineShare != nil {
			met := u.OnlineShare.Value >= *t.OnlineShare
			u.Target, u.Met = t.OnlineShare, &met
		}
		w.Units = append(w.Units, *u)
	}
	sort.SliceStable(w.Units, func(i, j int) bool { return w.Units[i].Unit < w.Units[j].Unit })
	return w, nil
}

// Doc is the report's tables: a summary of the units, then one table per
// unit of its officials.
func (w *Weekly) Doc(title string) *export.Doc {
	d := &export.Doc{Title: title, Lines: []string{w.Label, w.Note}}
	if len(w.DaysOff) > 0 {
		d.Lines = append(d.Lines, "Ngày nghỉ trong tuần: "+joinVi(w.DaysOff))
	}
	sum := &export.Table{Name: "units", Title: "Tổng hợp theo đơn vị", Columns: []export.Column{
		{Key: "unit", Title: "Đơn vị", Kind: export.Text},
		{Key: "received", Title: "Tiếp nhận", Kind: export.Count},
		{Key: "online", Title: "Trực tuyến", Kind: export.Count},
		{Key: "direct", Title: "Trực tiếp", Kind: export.Count},
		{Key: "postal", Title: "Bưu chính", Kind: export.Count},
		{Key: "online_share", Title: "Tỷ lệ trực tuyến", Kind: export.Share},
		{Key: "target", Title: "Chỉ tiêu tỷ lệ trực tuyến", Kind: export.Share},
		{Key: "met", Title: "Đạt chỉ tiêu", Kind: export.Text},
		{Key: "below", Title: "Số công chức chưa đạt", Kind: export.Count},
	}}
	for _, u := range w.Units {
		row := []export.Cell{{Value: u.Name}, {Value: u.Received}, {Value: u.Online}, {Value: u.Direct}, {Value: u.Postal}, {}, {}, {}, {Value: u.Below}}
		if u.Received > 0 {
			row[5] = export.Cell{Value: u.OnlineShare.Value}
		}
		if u.Target != nil {
			row[6] = export.Cell{Value: *u.Target}
			row[7] = export.Cell{Value: yesNo(*u.Met)}
		}
		sum.Rows = append(sum.Rows, row)
	}
	d.Tables = append(d.Tables, sum)
	for _, u := range w.Units {
		t := &export.Table{Name: "unit_" + tableName(u.Unit), Title: u.Name, Columns: []export.Column{
			{Key: "official", Title: "Công chức", Kind: export.Text},
			{Key: "received", Title: "Tiếp nhận", Kind: export.Count},
			{Key: "online", Title: "Trực tuyến", Kind: export.Count},
			{Key: "direct", Title: "Trực tiếp", Kind: export.Count},
			{Key: "postal", Title: "Bưu chính", Kind: export.Count},
			{Key: "target", Title: "Chỉ tiêu trực tuyến tuần", Kind: export.Number},
			{Key: "met", Title: "Đạt", Kind: export.Text},
			{Key: "by", Title: "Vượt (+) / thiếu (−)", Kind: export.Number},
			{Key: "prev", Title: "Trực tuyến tuần trước", Kind: export.Count},
			{Key: "change", Title: "Thay đổi", Kind: export.Number},
			{Key: "rank", Title: "Hạng trong đơn vị", Kind: export.Count},
		}}
		for _, o := range u.Officials {
			t.Rows = append(t.Rows, []export.Cell{{Value: o.Name}, {Value: o.Received}, {Value: o.Online}, {Value: o.Direct},
				{Value: o.Postal}, {Value: o.Target}, {Value: yesNo(o.Met)}, {Value: o.By}, {Value: o.PrevOnline},
				{Value: float64(o.Change)}, {Value: o.Rank}})
		}
		t.Footer = []export.Cell{{Value: "Cộng"}, {Value: u.Received}, {Value: u.Online}, {Value: u.Direct}, {Value: u.Postal},
			{}, {}, {}, {}, {}, {}}
		d.Tables = append(d.Tables, t)
	}
	return d
}

func yesNo(b bool) string {
	if b {
		return "Đạt"
	}
	return "Chưa đạt"
}

// tableName makes a unit code fit a table's machine name.
func tableName(code string) string {
	b := []byte{}
	for _, c := range []byte(code) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, '_')
		}
	}
	return string(b)
}

func joinVi(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}
