package motcua

import "time"

// Window is a span [From, To) of time.
type Window struct {
	From, To time.Time
}

// FirstSummaryDay and LastSummaryDay bound the days a summary can ask
// about: the span of the warehouse's times (unsigned 32-bit seconds since
// 1970), which hold the windows.
var (
	FirstSummaryDay = time.Date(1970, 1, 1, 0, 0, 0, 0, Location)
	LastSummaryDay  = time.Date(2105, 12, 31, 0, 0, 0, 0, Location)
)

// SummaryQuery asks for the counts of the summary.
type SummaryQuery struct {
	// Windows are the periods to count, each answered apart (one a month
	// for a monthly breakdown).
	Windows []Window
	// Units restricts the count to the dossiers received by these units;
	// nil counts all.
	Units []string
	// By groups within each window: "unit", "procedure", "official" or ""
	// for none.
	By string
	// Channel restricts the count to dossiers received by one channel;
	// Procedure and Official to one procedure and one receiving official.
	Channel, Procedure, Official string
	// Now, when set, adds the figures at that instant (open, overdue and
	// approaching now) to each group.
	Now *Instant
	// Successors, when set, counts each dossier under the unit that stands
	// for its receiver (Catalog.Successors): grouping by unit and Units
	// then go by today's units.
	Successors map[string]string
}

// DossierQuery asks for the dossiers behind one figure: those that the
// summary with the same window and filters counts in it.
type DossierQuery struct {
	Window                       Window
	Now                          *Instant // for the figures at an instant
	Units                        []string // nil: all
	Channel, Procedure, Official string
	IDs                          []string // when set, only these dossiers
	// NotTold, when set, leaves out the dossiers that the notification log
	// names in one of its stages (on its day, when set); DueBefore, when
	// set, keeps those due before it: the alerts ask for what they have not
	// told yet.
	NotTold    *NotTold
	DueBefore  time.Time
	Successors map[string]string // as in SummaryQuery
	Figure     Figure
	// Limit and Offset page the list, ordered by due time (none last),
	// then by id; Limit 0 returns only the total.
	Limit, Offset int
}

// NotTold names stages of the notification log (and a day) to leave out.
type NotTold struct {
	Stages []Stage
	Day    time.Time // zero: any day
}

// DossierRow is a dossier as a list shows it.
type DossierRow struct {
	ID           string    `json:"id"`
	Unit         string    `json:"unit"`
	HandlingUnit string    `json:"handling_unit"`
	Procedure    string    `json:"procedure"`
	Official     string    `json:"official,omitempty"`
	Channel      Channel   `json:"channel,omitempty"`
	ReceivedAt   time.Time `json:"received_at"`
	DueAt        time.Time `json:"due_at,omitzero"`
	PausedSince  time.Time `json:"paused_since,omitzero"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	Outcome      Outcome   `json:"outcome,omitempty"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
}

// Counts are the summary's counts for one group of one window.
type Counts struct {
	Window         int    `json:"-"`
	Key            string `json:"-"`
	Handled        uint64 `json:"handled"`
	New            uint64 `json:"new"`
	CarriedOver    uint64 `json:"carried_over"`
	NewOnline      uint64 `json:"new_online"`
	NewDirect      uint64 `json:"new_direct"`
	NewPostal      uint64 `json:"new_postal"`
	Resolved       uint64 `json:"resolved"`
	Early          uint64 `json:"early"`
	OnTime         uint64 `json:"on_time"`
	Late           uint64 `json:"late"`
	OpenAtEnd      uint64 `json:"open_at_end"`
	OverdueAtEnd   uint64 `json:"overdue_at_end"`
	ReturnedPostal uint64 `json:"returned_postal"`
	// Withdrawn or refused in the period without a result, and overdue at
	// the end while not waiting for a supplement: form 06's conventions.
	ClosedUnresolved     uint64 `json:"closed_unresolved"`
	OverdueUnpausedAtEnd uint64 `json:"overdue_unpaused_at_end"`
	// The figures at an instant, counted when the query asks for them.
	OpenNow        uint64 `json:"open_now,omitempty"`
	OverdueNow     uint64 `json:"overdue_now,omitempty"`
	ApproachingNow uint64 `json:"approaching_now,omitempty"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Handled += o.Handled
	c.New += o.New
	c.CarriedOver += o.CarriedOver
	c.NewOnline += o.NewOnline
	c.NewDirect += o.NewDirect
	c.NewPostal += o.NewPostal
	c.Resolved += o.Resolved
	c.Early += o.Early
	c.OnTime += o.OnTime
	c.Late += o.Late
	c.OpenAtEnd += o.OpenAtEnd
	c.OverdueAtEnd += o.OverdueAtEnd
	c.ReturnedPostal += o.ReturnedPostal
	c.ClosedUnresolved += o.ClosedUnresolved
	c.OverdueUnpausedAtEnd += o.OverdueUnpausedAtEnd
	c.OpenNow += o.OpenNow
	c.OverdueNow += o.OverdueNow
	c.ApproachingNow += o.ApproachingNow
}
