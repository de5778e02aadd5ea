package motcua

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// ErrInvalid marks a request that cannot be answered as asked (a bad period,
// an unknown unit, a grouping that does not exist): the caller must change
// it. Callers answer 400.
var ErrInvalid = errors.New("invalid request")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Share is a percentage with its parts, rounded half up to the decimals asked.
type Share struct {
	Value       float64 `json:"value"`
	Numerator   uint64  `json:"numerator"`
	Denominator uint64  `json:"denominator"`
	Base        string  `json:"base"` // what the denominator counts
}

// ShareOf is num/den in percent, rounded half up to digits decimals,
// exactly (no float rounding on the way); 0 when den is 0.
func ShareOf(num, den uint64, base string, digits int) Share {
	s := Share{Numerator: num, Denominator: den, Base: base}
	if den == 0 {
		return s
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	x := new(big.Int).Mul(new(big.Int).SetUint64(num), big.NewInt(200))
	x.Mul(x, scale)
	x.Add(x, new(big.Int).SetUint64(den))
	x.Quo(x, new(big.Int).SetUint64(2*den))
	s.Value, _ = new(big.Rat).SetFrac(x, scale).Float64()
	return s
}

// Shares returns the shares of the definitions (DESIGN.md): online over new
// (and over handled, the seed's base), early, on time, late and early or on
// time over resolved.
func (c Counts) Shares(digits int) map[string]Share {
	return map[string]Share{
		"online":            ShareOf(c.NewOnline, c.New, "new", digits),
		"online_of_handled": ShareOf(c.NewOnline, c.Handled, "handled", digits),
		"early":             ShareOf(c.Early, c.Resolved, "resolved", digits),
		"on_time":           ShareOf(c.OnTime, c.Resolved, "resolved", digits),
		"late":              ShareOf(c.Late, c.Resolved, "resolved", digits),
		"early_or_on_time":  ShareOf(c.Early+c.OnTime, c.Resolved, "resolved", digits),
	}
}

// TargetResult compares a share with a target for the year.
type TargetResult struct {
	Name   string  `json:"name"` // online_share or on_time_share
	Year   int     `json:"year"`
	Target float64 `json:"target"`
	Value  float64 `json:"value"`
	Met    bool    `json:"met"`
}

// The groupings of a summary.
const (
	GroupNone      = ""
	GroupUnit      = "unit"
	GroupLevel     = "level"
	GroupProcedure = "procedure"
	GroupOfficial  = "official"
	GroupMonth     = "month"
)

// TargetsOf compares shares with the targets for the year of a unit (group
// GroupUnit) or of a level (GroupLevel: the target that every unit of the
// level with one shares); nil for other groups or without targets.
func (c *Catalog) TargetsOf(group, key string, year int, shares map[string]Share) []TargetResult {
	var online, onTime *float64
	switch group {
	case GroupUnit:
		t, ok := c.TargetFor(key, year)
		if !ok {
			return nil
		}
		online, onTime = t.OnlineShare, t.OnTimeShare
	case GroupLevel:
		agree := func(get func(Target) *float64) *float64 {
			var v *float64
			for _, u := range c.Units {
				if string(u.Level) != key {
					continue
				}
				t, ok := c.TargetFor(u.Code, year)
				if !ok || get(t) == nil {
					continue
				}
				if v != nil && *v != *get(t) {
					return nil
				}
				v = get(t)
			}
			return v
		}
		online = agree(func(t Target) *float64 { return t.OnlineShare })
		onTime = agree(func(t Target) *float64 { return t.OnTimeShare })
	default:
		return nil
	}
	var out []TargetResult
	if online != nil {
		v := shares["online"].Value
		out = append(out, TargetResult{Name: "online_share", Year: year, Target: *online, Value: v, Met: v >= *online})
	}
	if onTime != nil {
		v := shares["early_or_on_time"].Value
		out = append(out, TargetResult{Name: "on_time_share", Year: year, Target: *onTime, Value: v, Met: v >= *onTime})
	}
	return out
}

// LevelName is the Vietnamese name of a level, as reports write it.
func (l UnitLevel) LevelName() string {
	switch l {
	case LevelTown:
		return "Cấp thị xã"
	case LevelCommune:
		return "Cấp xã, phường"
	case LevelSector:
		return "Cơ quan ngành dọc"
	case LevelProvince:
		return "Cấp tỉnh"
	case LevelPost:
		return "Bưu chính công ích"
	}
	return string(l)
}

// MaxMonths caps a summary grouped by month.
const MaxMonths = 120

// MonthWindows cuts [from, to) into calendar months, the first and last cut
// to the period.
func MonthWindows(from, to time.Time) []Window {
	var out []Window
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, Location); m.Before(to); m = m.AddDate(0, 1, 0) {
		w := Window{From: m, To: m.AddDate(0, 1, 0)}
		if w.From.Before(from) {
			w.From = from
		}
		if w.To.After(to) {
			w.To = to
		}
		out = append(out, w)
	}
	return out
}

// SummaryRequest is a summary as a reader asks for it: the days From to To
// (both included, Asia/Ho_Chi_Minh), the unit and its subtree (or all),
// the grouping, one channel (or all) and the decimals of the shares.
type SummaryRequest struct {
	From, To time.Time
	Unit     string
	Group    string
	Channel  string
	Digits   int
	// Units is UnitsAsReceived (default: each dossier under the unit that
	// received it) or UnitsCurrent (under the unit that stands for it on
	// Today, following merges).
	Units string
	Today time.Time
}

// The ways a summary names the units of its dossiers.
const (
	UnitsAsReceived = "as_received"
	UnitsCurrent    = "current"
)

// SummaryGroup is one row of a summary: its counts, shares and targets.
type SummaryGroup struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
	Counts
	Shares  map[string]Share `json:"shares"`
	Targets []TargetResult   `json:"targets,omitempty"`
}

// Summary is the answer to a SummaryRequest.
type Summary struct {
	Groups []SummaryGroup
	Total  SummaryGroup
}

// Query checks the request against the catalogue and returns what to count.
// Its errors wrap ErrInvalid.
func (r SummaryRequest) Query(cat *Catalog) (SummaryQuery, error) {
	for _, d := range []struct {
		name string
		day  time.Time
	}{{"from", r.From}, {"to", r.To}} {
		if d.day.Before(FirstSummaryDay) || d.day.After(LastSummaryDay) {
			return SummaryQuery{}, invalid("%s=%q: want a day from %s to %s, the span the warehouse holds", d.name,
				d.day.Format(time.DateOnly), FirstSummaryDay.Format(time.DateOnly), LastSummaryDay.Format(time.DateOnly))
		}
	}
	if r.To.Before(r.From) {
		return SummaryQuery{}, invalid("to=%s is before from=%s", r.To.Format(time.DateOnly), r.From.Format(time.DateOnly))
	}
	if r.Digits < 0 || r.Digits > 6 {
		return SummaryQuery{}, invalid("digits=%d: want 0 to 6", r.Digits)
	}
	end := r.To.AddDate(0, 0, 1)
	q := SummaryQuery{Windows: []Window{{From: r.From, To: end}}, Channel: r.Channel}
	switch r.Units {
	case "", UnitsAsReceived:
	case UnitsCurrent:
		q.Successors = cat.Successors(r.Today)
	default:
		return q, invalid("units=%q: want as_received or current", r.Units)
	}
	if r.Channel != "" && !Channel(r.Channel).Valid() {
		return q, invalid("channel=%q: want online, direct or postal", r.Channel)
	}
	if r.Unit != "" {
		if !cat.HasUnit(r.Unit) {
			return q, invalid("unit=%q: no such unit in the catalogue", r.Unit)
		}
		q.Units = cat.Subtree(r.Unit)
	}
	switch r.Group {
	case GroupNone:
	case GroupUnit, GroupLevel:
		q.By = GroupUnit
	case GroupProcedure, GroupOfficial:
		q.By = r.Group
	case GroupMonth:
		if months := (r.To.Year()-r.From.Year())*12 + int(r.To.Month()-r.From.Month()) + 1; months > MaxMonths {
			return q, invalid("group=month over %d months: ask for ten years (%d months) at most", months, MaxMonths)
		}
		q.Windows = append(q.Windows, MonthWindows(r.From, end)...)
	default:
		return q, invalid("group=%q: want unit, level, procedure, official or month", r.Group)
	}
	return q, nil
}

// Summarize regroups the counts of q (by level, by month) and adds shares,
// names and the targets for the year of To.
func (r SummaryRequest) Summarize(cat *Catalog, q SummaryQuery, rows []Counts) Summary {
	year := r.To.Year()
	groups := map[string]*SummaryGroup{}
	var total SummaryGroup
	for _, row := range rows {
		key := row.Key
		switch r.Group {
		case GroupMonth:
			if row.Window == 0 {
				total.Counts = row
				continue
			}
			key = q.Windows[row.Window].From.Format("2006-01")
		case GroupLevel:
			u, _ := cat.Unit(row.Key)
			key = string(u.Level)
		}
		if r.Group != GroupMonth {
			total.Counts.Add(row)
		}
		if r.Group == GroupNone {
			continue
		}
		g := groups[key]
		if g == nil {
			g = &SummaryGroup{Key: key}
			groups[key] = g
		}
		g.Counts.Add(row)
	}
	var out Summary
	for _, g := range groups {
		g.Name = cat.groupName(r.Group, g.Key)
		g.Shares = g.Counts.Shares(r.Digits)
		g.Targets = cat.TargetsOf(r.Group, g.Key, year, g.Shares)
		g.Counts.Window, g.Counts.Key = 0, ""
		out.Groups = append(out.Groups, *g)
	}
	sort.Slice(out.Groups, func(i, j int) bool { return out.Groups[i].Key < out.Groups[j].Key })
	total.Key = "total"
	total.Shares = total.Counts.Shares(r.Digits)
	if r.Unit != "" {
		u, _ := cat.Unit(r.Unit)
		total.Name = u.Name
		total.Targets = cat.TargetsOf(GroupUnit, r.Unit, year, total.Shares)
	}
	total.Counts.Window, total.Counts.Key = 0, ""
	out.Total = total
	return out
}

// groupName is the name shown for a group's key.
func (c *Catalog) groupName(group, key string) string {
	switch group {
	case GroupUnit:
		u, _ := c.Unit(key)
		return u.Name
	case GroupLevel:
		return UnitLevel(key).LevelName()
	case GroupProcedure:
		p, _ := c.Procedure(key)
		return p.Name
	case GroupOfficial:
		o, _ := c.Official(key)
		return o.Name
	case GroupMonth:
		t, _ := time.Parse("2006-01", key)
		return t.Format("Tháng 01/2006")
	}
	return ""
}
