package server

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
)

// Share is a percentage with its parts, rounded half up to the decimals asked.
type Share struct {
	Value       float64 `json:"value"`
	Numerator   uint64  `json:"numerator"`
	Denominator uint64  `json:"denominator"`
	Base        string  `json:"base"` // what the denominator counts
}

// TargetResult compares a share with the unit's target for the year.
type TargetResult struct {
	Name   string  `json:"name"` // online_share or on_time_share
	Year   int     `json:"year"`
	Target float64 `json:"target"`
	Value  float64 `json:"value"`
	Met    bool    `json:"met"`
}

// SummaryGroup is one row of the summary.
type SummaryGroup struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
	motcua.Counts
	Shares  map[string]Share `json:"shares"`
	Targets []TargetResult   `json:"targets,omitempty"`
}

// SummaryAnswer is the body of GET /api/v1/summary.
type SummaryAnswer struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	Unit    string         `json:"unit,omitempty"`
	Group   string         `json:"group,omitempty"`
	Channel string         `json:"channel,omitempty"`
	Digits  int            `json:"digits"`
	Groups  []SummaryGroup `json:"groups,omitempty"`
	Total   SummaryGroup   `json:"total"`
}

var levelNames = map[motcua.UnitLevel]string{
	motcua.LevelTown: "Cấp thị xã", motcua.LevelCommune: "Cấp xã, phường",
	motcua.LevelSector: "Cơ quan ngành dọc", motcua.LevelPost: "Bưu chính công ích",
}

func badRequest(c *gin.Context, format string, args ...any) {
	c.JSON(http.StatusBadRequest, gin.H{"error": fmt.Sprintf(format, args...)})
}

// summary serves GET /api/v1/summary?from=&to=[&unit=][&group=][&channel=][&digits=].
func (s *Server) summary(c *gin.Context) {
	cur := s.cur.Load()
	ans := SummaryAnswer{From: c.Query("from"), To: c.Query("to"), Unit: c.Query("unit"), Group: c.Query("group"), Channel: c.Query("channel"), Digits: 1}
	from, err := time.ParseInLocation(time.DateOnly, ans.From, motcua.Location)
	if err != nil {
		badRequest(c, "from=%q: want a date YYYY-MM-DD", ans.From)
		return
	}
	to, err := time.ParseInLocation(time.DateOnly, ans.To, motcua.Location)
	if err != nil {
		badRequest(c, "to=%q: want a date YYYY-MM-DD", ans.To)
		return
	}
	for _, d := range []struct {
		name, raw string
		day       time.Time
	}{{"from", ans.From, from}, {"to", ans.To, to}} {
		if d.day.Before(motcua.FirstSummaryDay) || d.day.After(motcua.LastSummaryDay) {
			badRequest(c, "%s=%q: want a day from %s to %s, the span the warehouse holds", d.name, d.raw,
				motcua.FirstSummaryDay.Format(time.DateOnly), motcua.LastSummaryDay.Format(time.DateOnly))
			return
		}
	}
	if to.Before(from) {
		badRequest(c, "to=%s is before from=%s", ans.To, ans.From)
		return
	}
	if d := c.Query("digits"); d != "" {
		if ans.Digits, err = strconv.Atoi(d); err != nil || ans.Digits < 0 || ans.Digits > 6 {
			badRequest(c, "digits=%q: want 0 to 6", d)
			return
		}
	}
	q := motcua.SummaryQuery{Windows: []motcua.Window{{From: from, To: to.AddDate(0, 0, 1)}}, Channel: ans.Channel}
	if ans.Channel != "" && !motcua.Channel(ans.Channel).Valid() {
		badRequest(c, "channel=%q: want online, direct or postal", ans.Channel)
		return
	}
	if ans.Unit != "" {
		if !cur.cat.HasUnit(ans.Unit) {
			badRequest(c, "unit=%q: no such unit in the catalogue", ans.Unit)
			return
		}
		q.Units = cur.cat.Subtree(ans.Unit)
	}
	switch ans.Group {
	case "":
	case "unit", "level":
		q.By = "unit"
	case "procedure", "official":
		q.By = ans.Group
	case "month":
		if months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month()) + 1; months > 120 {
			badRequest(c, "group=month over %d months: ask for ten years (120 months) at most", months)
			return
		}
		for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, motcua.Location); m.Before(q.Windows[0].To); m = m.AddDate(0, 1, 0) {
			w := motcua.Window{From: m, To: m.AddDate(0, 1, 0)}
			if w.From.Before(from) {
				w.From = from
			}
			if w.To.After(q.Windows[0].To) {
				w.To = q.Windows[0].To
			}
			q.Windows = append(q.Windows, w)
		}
	default:
		badRequest(c, "group=%q: want unit, level, procedure, official or month", ans.Group)
		return
	}
	rows, err := s.runSummary(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	year := to.Year()
	groups := map[string]*SummaryGroup{}
	var total SummaryGroup
	for _, r := range rows {
		key := r.Key
		switch {
		case ans.Group == "month":
			if r.Window == 0 {
				total.Counts = r
				continue
			}
			key = q.Windows[r.Window].From.Format("2006-01")
		case ans.Group == "level":
			u, _ := cur.cat.Unit(r.Key)
			key = string(u.Level)
		}
		if ans.Group != "month" {
			total.Counts.Add(r)
		}
		if ans.Group == "" {
			continue
		}
		g := groups[key]
		if g == nil {
			g = &SummaryGroup{Key: key}
			groups[key] = g
		}
		g.Counts.Add(r)
	}
	for _, g := range groups {
		g.Name = s.groupName(cur.cat, ans.Group, g.Key)
		finish(g, ans.Digits)
		g.Targets = targets(cur.cat, ans.Group, g.Key, year, g)
		ans.Groups = append(ans.Groups, *g)
	}
	sort.Slice(ans.Groups, func(i, j int) bool { return ans.Groups[i].Key < ans.Groups[j].Key })
	total.Key = "total"
	if ans.Unit != "" {
		u, _ := cur.cat.Unit(ans.Unit)
		total.Name = u.Name
	}
	finish(&total, ans.Digits)
	if ans.Unit != "" {
		total.Targets = targets(cur.cat, "unit", ans.Unit, year, &total)
	}
	total.Counts.Window, total.Counts.Key = 0, ""
	ans.Total = total
	c.JSON(http.StatusOK, ans)
}

// runSummary computes a summary once one of the MaxSummaries slots is free,
// waiting SummaryWait at most.
func (s *Server) runSummary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	t := time.NewTimer(s.cfg.SummaryWait)
	defer t.Stop()
	select {
	case s.summaries <- struct{}{}:
		defer func() { <-s.summaries }()
	case <-t.C:
		return nil, fmt.Errorf("cannot compute the summary: %d are being computed, the most at once, and none finished within %s: %w",
			s.cfg.MaxSummaries, s.cfg.SummaryWait, motcua.ErrBusy)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.wh.Summary(ctx, q)
}

func (s *Server) groupName(cat *motcua.Catalog, group, key string) string {
	switch group {
	case "unit":
		u, _ := cat.Unit(key)
		return u.Name
	case "level":
		return levelNames[motcua.UnitLevel(key)]
	case "procedure":
		p, _ := cat.Procedure(key)
		return p.Name
	case "official":
		o, _ := cat.Official(key)
		return o.Name
	case "month":
		t, _ := time.Parse("2006-01", key)
		return t.Format("Tháng 01/2006")
	}
	return ""
}

func finish(g *SummaryGroup, digits int) {
	c := g.Counts
	g.Shares = map[string]Share{
		"online":            share(c.NewOnline, c.New, "new", digits),
		"online_of_handled": share(c.NewOnline, c.Handled, "handled", digits),
		"early":             share(c.Early, c.Resolved, "resolved", digits),
		"on_time":           share(c.OnTime, c.Resolved, "resolved", digits),
		"late":              share(c.Late, c.Resolved, "resolved", digits),
		"early_or_on_time":  share(c.Early+c.OnTime, c.Resolved, "resolved", digits),
	}
}

// share is num/den in percent, rounded half up to digits decimals, exactly.
func share(num, den uint64, base string, digits int) Share {
	s := Share{Numerator: num, Denominator: den, Base: base}
	if den == 0 {
		return s
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	x := new(big.Int).Mul(new(big.Int).SetUint64(num), big.NewInt(200))
	x.Mul(x, scale)
	x.Add(x, new(big.Int).SetUint64(den))
	x.Quo(x, new(big.Int).SetUint64(2*den))
	v, _ := new(big.Rat).SetFrac(x, scale).Float64()
	s.Value = v
	return s
}

// targets compares a group with its targets for the year: a unit's own, or,
// for a level, the target that every unit of the level with one shares.
func targets(cat *motcua.Catalog, group, key string, year int, g *SummaryGroup) []TargetResult {
	var online, onTime *float64
	switch group {
	case "unit":
		t, ok := cat.TargetFor(key, year)
		if !ok {
			return nil
		}
		online, onTime = t.OnlineShare, t.OnTimeShare
	case "level":
		agree := func(get func(motcua.Target) *float64) *float64 {
			var v *float64
			for _, u := range cat.Units {
				if string(u.Level) != key {
					continue
				}
				t, ok := cat.TargetFor(u.Code, year)
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
		online = agree(func(t motcua.Target) *float64 { return t.OnlineShare })
		onTime = agree(func(t motcua.Target) *float64 { return t.OnTimeShare })
	default:
		return nil
	}
	var out []TargetResult
	if online != nil {
		v := g.Shares["online"].Value
		out = append(out, TargetResult{Name: "online_share", Year: year, Target: *online, Value: v, Met: v >= *online})
	}
	if onTime != nil {
		v := g.Shares["early_or_on_time"].Value
		out = append(out, TargetResult{Name: "on_time_share", Year: year, Target: *onTime, Value: v, Met: v >= *onTime})
	}
	return out
}
