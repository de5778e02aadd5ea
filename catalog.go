package motcua

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"sort"
	"strings"
	"time"
)

// UnitLevel is the tier of a unit.
type UnitLevel string

// The unit levels.
const (
	LevelTown     UnitLevel = "town"     // the town People's Committee, its one-stop shop and offices
	LevelCommune  UnitLevel = "commune"  // a commune or ward People's Committee
	LevelSector   UnitLevel = "sector"   // a vertically managed agency (ngành dọc)
	LevelPost     UnitLevel = "post"     // a post office of the public postal service
	LevelProvince UnitLevel = "province" // the province People's Committee
)

// Valid reports whether l is a known level.
func (l UnitLevel) Valid() bool {
	return l == LevelTown || l == LevelCommune || l == LevelSector || l == LevelPost || l == LevelProvince
}

// Unit is a body that receives or handles dossiers. Units form a tree.
//
// The col tags name the columns of a catalogue table, the same in the
// catalogue's CSV files and in the warehouse: a new column is a field with a
// tag here, a column in the schema, and a check in the loader if it needs one.
// A column marked optional may be missing from a CSV file (it is then empty).
type Unit struct {
	Code        string    `json:"code" col:"code"`
	Name        string    `json:"name" col:"name"`
	Level       UnitLevel `json:"level" col:"level"`
	Parent      string    `json:"parent,omitempty" col:"parent"`
	HeadSlackID string    `json:"head_slack_id,omitempty" col:"head_slack_id"`
	// MergedInto names the successor of a unit merged away from MergedFrom on.
	MergedInto string `json:"merged_into,omitempty" col:"merged_into"`
	MergedFrom string `json:"merged_from,omitempty" col:"merged_from"` // YYYY-MM-DD
	// ValidFrom and ValidTo bound the unit's life (YYYY-MM-DD; ValidTo is
	// the first day it no longer exists); empty is open. A unit merged away
	// ends on MergedFrom when ValidTo is empty.
	ValidFrom string `json:"valid_from,omitempty" col:"valid_from,optional"`
	ValidTo   string `json:"valid_to,omitempty" col:"valid_to,optional"`
	// AlertChannel is the Slack channel that gets the unit's deadline
	// alerts; empty sends them to the head (HeadSlackID).
	AlertChannel string `json:"alert_channel,omitempty" col:"alert_channel,optional"`
	// AlertWindowHours is how long before its due time, in working hours, a
	// dossier of the unit counts as approaching; 0 means one working day.
	AlertWindowHours float64 `json:"alert_window_hours,omitempty" col:"alert_window_hours,optional"`
}

// Procedure is an administrative procedure (thủ tục hành chính).
type Procedure struct {
	Code          string    `json:"code" col:"code"`
	Name          string    `json:"name" col:"name"`
	Field         string    `json:"field" col:"field"`
	Level         UnitLevel `json:"level" col:"level"`
	OnlineLevel   int       `json:"online_level" col:"online_level"`     // online service level 2, 3 or 4
	StatutoryDays float64   `json:"statutory_days" col:"statutory_days"` // processing time set by law, in working days
	CutDays       float64   `json:"cut_days" col:"cut_days"`             // processing time after the town's cuts; 0 when not cut
	Interlinked   bool      `json:"interlinked" col:"interlinked"`
}

// ProcessingDays is the processing time that applies: the cut time where
// there is one, else the statutory time.
func (p Procedure) ProcessingDays() float64 {
	if p.CutDays > 0 {
		return p.CutDays
	}
	return p.StatutoryDays
}

// Official is a civil servant (công chức) of a unit.
type Official struct {
	Code               string `json:"code" col:"code"`
	Name               string `json:"name" col:"name"`
	Unit               string `json:"unit" col:"unit"`
	WeeklyOnlineTarget int    `json:"weekly_online_target" col:"weekly_online_target"`
}

// Target is what a unit must reach in a year; a nil share has no target.
type Target struct {
	Unit        string   `json:"unit" col:"unit"`
	Year        int      `json:"year" col:"year"`
	OnlineShare *float64 `json:"online_share,omitempty" col:"online_share,percent"`   // percent of new dossiers received online
	OnTimeShare *float64 `json:"on_time_share,omitempty" col:"on_time_share,percent"` // percent of resolved dossiers early or on time
}

// Rating is how a unit was rated for a year by those who evaluate it (the
// province's report of the index of Decision 766), with the document that
// says so: data that comes in, not a figure motcua computes.
type Rating struct {
	Unit   string `json:"unit" col:"unit"`
	Year   int    `json:"year" col:"year"`
	Rating string `json:"rating" col:"rating"` // Xuất sắc, Tốt, Khá, Trung bình, Yếu
	Source string `json:"source" col:"source"` // the document, e.g. "Báo cáo số 377/BC-UBND ngày 27/12/2022 của UBND tỉnh Trà Vinh"
}

// DayKind says whether a calendar entry takes a working day away or adds one.
type DayKind string

// The kinds of calendar entries.
const (
	Holiday    DayKind = "holiday" // a day off on a day that would be worked
	WorkingDay DayKind = "working" // a swapped working day on a weekend
)

// CalendarDay is one entry of a year's holiday file.
type CalendarDay struct {
	Date  time.Time `json:"date" col:"date"` // midnight, Asia/Ho_Chi_Minh
	Kind  DayKind   `json:"kind" col:"kind"`
	Name  string    `json:"name" col:"name"`
	Guess bool      `json:"guess" col:"guess"` // the swap is a guess, not from an official notice
}

// Column is one col-tagged field of a catalogue row type (Unit and the
// others): the CSV reader and the warehouse both go by it.
type Column struct {
	Name     string
	Index    int  // of the field
	Optional bool // may be missing from a CSV file
	Percent  bool // a share in percent, 0 to 100
}

// Columns returns the col-tagged fields of a catalogue row type, in order.
func Columns(t reflect.Type) []Column {
	var out []Column
	for i := 0; i < t.NumField(); i++ {
		tag, ok := t.Field(i).Tag.Lookup("col")
		if !ok {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		c := Column{Name: name, Index: i}
		for _, o := range strings.Split(opts, ",") {
			c.Optional = c.Optional || o == "optional"
			c.Percent = c.Percent || o == "percent"
		}
		out = append(out, c)
	}
	return out
}

// Catalog is the configuration motcua counts against.
type Catalog struct {
	Units      []Unit
	Procedures []Procedure
	Officials  []Official
	Targets    []Target
	Ratings    []Rating
	Days       []CalendarDay
	// Hours are the sessions of a working day; DefaultSessions when empty.
	Hours []Session

	units      map[string]int
	procedures map[string]int
	officials  map[string]int
}

// Index builds the look-ups and checks the catalogue as a whole: unique codes,
// parents and references that exist, a tree without cycles.
func (c *Catalog) Index() error {
	c.units = make(map[string]int, len(c.Units))
	for i, u := range c.Units {
		if u.Code == "" {
			return fmt.Errorf("unit %d (%q): code is empty", i+1, u.Name)
		}
		if _, dup := c.units[u.Code]; dup {
			return fmt.Errorf("unit %q is listed twice", u.Code)
		}
		if !u.Level.Valid() {
			return fmt.Errorf("unit %q: unknown level %q; want province, town, commune, sector or post", u.Code, u.Level)
		}
		c.units[u.Code] = i
	}
	for _, u := range c.Units {
		if u.Parent != "" {
			if _, ok := c.units[u.Parent]; !ok {
				return fmt.Errorf("unit %q: parent %q is not in the unit catalogue", u.Code, u.Parent)
			}
		}
		if u.MergedInto != "" {
			if _, ok := c.units[u.MergedInto]; !ok {
				return fmt.Errorf("unit %q: merged_into %q is not in the unit catalogue", u.Code, u.MergedInto)
			}
			if u.End().IsZero() {
				return fmt.Errorf("unit %q: merged_into %q needs merged_from, the day of the merge", u.Code, u.MergedInto)
			}
		}
		for _, d := range []struct{ col, v string }{{"merged_from", u.MergedFrom}, {"valid_from", u.ValidFrom}, {"valid_to", u.ValidTo}} {
			if _, err := time.ParseInLocation(time.DateOnly, d.v, Location); d.v != "" && err != nil {
				return fmt.Errorf("unit %q: %s %q: want a day YYYY-MM-DD", u.Code, d.col, d.v)
			}
		}
		if s, e := u.Start(), u.End(); !s.IsZero() && !e.IsZero() && !s.Before(e) {
			return fmt.Errorf("unit %q: it ends (%s) before it starts (%s)", u.Code, FormatDate(e), FormatDate(s))
		}
		seen := map[string]bool{}
		for p := u.Code; p != ""; p = c.Units[c.units[p]].Parent {
			if seen[p] {
				return fmt.Errorf("unit %q: its parents form a cycle through %q", u.Code, p)
			}
			seen[p] = true
		}
	}
	c.procedures = make(map[string]int, len(c.Procedures))
	for i, p := range c.Procedures {
		if p.Code == "" {
			return fmt.Errorf("procedure %d (%q): code is empty", i+1, p.Name)
		}
		if _, dup := c.procedures[p.Code]; dup {
			return fmt.Errorf("procedure %q is listed twice", p.Code)
		}
		if !p.Level.Valid() {
			return fmt.Errorf("procedure %q: unknown level %q", p.Code, p.Level)
		}
		c.procedures[p.Code] = i
	}
	c.officials = make(map[string]int, len(c.Officials))
	for i, o := range c.Officials {
		if _, dup := c.officials[o.Code]; dup {
			return fmt.Errorf("official %q is listed twice", o.Code)
		}
		if _, ok := c.units[o.Unit]; !ok {
			return fmt.Errorf("official %q: unit %q is not in the unit catalogue", o.Code, o.Unit)
		}
		c.officials[o.Code] = i
	}
	for _, t := range c.Targets {
		if _, ok := c.units[t.Unit]; !ok {
			return fmt.Errorf("target for %d: unit %q is not in the unit catalogue", t.Year, t.Unit)
		}
	}
	if err := CheckSessions(c.Hours); err != nil {
		return err
	}
	return nil
}

// Calendar returns the working-day calendar of the catalogue: its working
// hours, holidays and swapped days. Every count of working time uses it.
func (c *Catalog) Calendar() *Calendar { return NewCalendar(c.Days, c.Hours...) }

// WorkingHours returns the sessions of a working day.
func (c *Catalog) WorkingHours() []Session {
	if len(c.Hours) == 0 {
		return DefaultSessions
	}
	return c.Hours
}

// RulesFingerprint identifies what due dates are computed with: the working
// hours, holidays and swapped days, and each procedure's processing time.
// Figures folded under one fingerprint must be folded again when it changes.
func (c *Catalog) RulesFingerprint() string {
	h := fnv.New64a()
	for _, s := range c.WorkingHours() {
		fmt.Fprintf(h, "%s-%s,", Clock(s.Start), Clock(s.End))
	}
	days := make([]string, 0, len(c.Days))
	for _, d := range c.Days {
		days = append(days, d.Date.In(Location).Format(time.DateOnly)+string(d.Kind))
	}
	sort.Strings(days)
	for _, d := range days {
		fmt.Fprint(h, d, ";")
	}
	procs := make([]string, 0, len(c.Procedures))
	for _, p := range c.Procedures {
		procs = append(procs, fmt.Sprintf("%s=%g", p.Code, p.ProcessingDays()))
	}
	sort.Strings(procs)
	for _, p := range procs {
		fmt.Fprint(h, p, ";")
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// HasUnit reports whether code is a unit of the catalogue.
func (c *Catalog) HasUnit(code string) bool { _, ok := c.units[code]; return ok }

// HasProcedure reports whether code is a procedure of the catalogue.
func (c *Catalog) HasProcedure(code string) bool { _, ok := c.procedures[code]; return ok }

// KnowsOfficial reports whether code is an official of the catalogue, or
// the catalogue lists no officials at all (then any code is taken).
func (c *Catalog) KnowsOfficial(code string) bool {
	if len(c.officials) == 0 {
		return true
	}
	_, ok := c.officials[code]
	return ok
}

// Unit returns the unit with the code.
func (c *Catalog) Unit(code string) (Unit, bool) {
	i, ok := c.units[code]
	if !ok {
		return Unit{}, false
	}
	return c.Units[i], true
}

// Procedure returns the procedure with the code.
func (c *Catalog) Procedure(code string) (Procedure, bool) {
	i, ok := c.procedures[code]
	if !ok {
		return Procedure{}, false
	}
	return c.Procedures[i], true
}

// Subtree returns the codes of the unit and of every unit below it.
func (c *Catalog) Subtree(code string) []string {
	children := map[string][]string{}
	for _, u := range c.Units {
		children[u.Parent] = append(children[u.Parent], u.Code)
	}
	var out []string
	var walk func(string)
	walk = func(x string) {
		out = append(out, x)
		for _, ch := range children[x] {
			walk(ch)
		}
	}
	if c.HasUnit(code) {
		walk(code)
	}
	return out
}

// Location is Vietnam's time zone, in which every calendar day is counted.
var Location = mustLoad("Asia/Ho_Chi_Minh")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Vietnam has kept UTC+7 without daylight saving since 1975.
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}

// FindUnit returns the unit whose code is s or, failing that, whose name is s
// (compared in NFC, ignoring case), as sources that name units write them.
func (c *Catalog) FindUnit(s string) (Unit, bool) {
	if u, ok := c.Unit(s); ok {
		return u, true
	}
	s = strings.ToLower(NFC(strings.TrimSpace(s)))
	for _, u := range c.Units {
		if strings.ToLower(u.Name) == s {
			return u, true
		}
	}
	return Unit{}, false
}

// Official returns the official with the code.
func (c *Catalog) Official(code string) (Official, bool) {
	i, ok := c.officials[code]
	if !ok {
		return Official{}, false
	}
	return c.Officials[i], true
}

// Start is the first day of the unit's life; zero when it always was.
func (u Unit) Start() time.Time { return dateOf(u.ValidFrom) }

// End is the first day the unit no longer exists; zero while it does.
func (u Unit) End() time.Time {
	if u.ValidTo != "" {
		return dateOf(u.ValidTo)
	}
	return dateOf(u.MergedFrom)
}

// AliveAt reports whether the unit exists at t.
func (u Unit) AliveAt(t time.Time) bool {
	s, e := u.Start(), u.End()
	return (s.IsZero() || !t.Before(s)) && (e.IsZero() || t.Before(e))
}

func dateOf(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, Location)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Current returns the unit that stands at t for code: code itself, or,
// when it has been merged by then, its successor's current unit (merges
// followed transitively). A unit that ended without a successor stands
// for itself.
func (c *Catalog) Current(code string, t time.Time) string {
	for range len(c.Units) {
		u, ok := c.Unit(code)
		if !ok || u.MergedInto == "" || t.Before(u.End()) {
			return code
		}
		code = u.MergedInto
	}
	return code
}

// Successors maps each unit merged away by t to the unit that stands for
// it then; the summary counts under them when asked for today's units.
func (c *Catalog) Successors(t time.Time) map[string]string {
	m := map[string]string{}
	for _, u := range c.Units {
		if cur := c.Current(u.Code, t); cur != u.Code {
			m[u.Code] = cur
		}
	}
	return m
}

// ReceivesAt says why a dossier cannot be received by the unit at t (nil
// when it can): the unit did not exist yet, or no longer does, naming its
// successor.
func (c *Catalog) ReceivesAt(code string, t time.Time) error {
	u, ok := c.Unit(code)
	if !ok || u.AliveAt(t) {
		return nil
	}
	if s := u.Start(); !s.IsZero() && t.Before(s) {
		return fmt.Errorf("unit %q exists from %s only", code, FormatDate(s))
	}
	if cur := c.Current(code, t); cur != code {
		n, _ := c.Unit(cur)
		return fmt.Errorf("unit %q ended on %s: dossiers are received by its successor %q (%s)", code, FormatDate(u.End()), cur, n.Name)
	}
	return fmt.Errorf("unit %q ended on %s and has no successor in the catalogue", code, FormatDate(u.End()))
}

// RatingFor returns the rating of a unit for a year.
func (c *Catalog) RatingFor(unit string, year int) (Rating, bool) {
	for _, r := range c.Ratings {
		if r.Unit == unit && r.Year == year {
			return r, true
		}
	}
	return Rating{}, false
}

// TargetFor returns the target of the unit for the year.
func (c *Catalog) TargetFor(unit string, year int) (Target, bool) {
	for _, t := range c.Targets {
		if t.Unit == unit && t.Year == year {
			return t, true
		}
	}
	return Target{}, false
}
