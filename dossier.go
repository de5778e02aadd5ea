package motcua

import (
	"sort"
	"time"
)

// Outcome is how a resolved dossier compares with its due date.
type Outcome string

// The outcomes, by calendar day in Asia/Ho_Chi_Minh.
const (
	Early  Outcome = "early"   // trước hạn: resolved on a day before the due day
	OnTime Outcome = "on_time" // đúng hạn: resolved on the due day, or without a due date
	Late   Outcome = "late"    // quá hạn: resolved on a day after the due day
)

// OutcomeOf classifies a resolution at resolved against the due date due
// (zero: no due date, which counts as on time).
func OutcomeOf(resolved, due time.Time) Outcome {
	if due.IsZero() {
		return OnTime
	}
	r, d := dayKey(resolved.In(Location)), dayKey(due.In(Location))
	switch {
	case r < d:
		return Early
	case r == d:
		return OnTime
	}
	return Late
}

// State is where a dossier stands at a moment.
type State string

// The states of a dossier.
const (
	StateNone        State = ""            // not received yet at that moment
	StateOpen        State = "open"        // received, being processed, not close to its due date
	StateApproaching State = "approaching" // open and due within the alert window (sắp đến hạn)
	StateOverdue     State = "overdue"     // open past the end of its due day
	StateResolved    State = "resolved"    // a result exists, not yet returned
	StateReturned    State = "returned"    // the result reached the citizen
	StateRejected    State = "rejected"
	StateWithdrawn   State = "withdrawn"
)

// Dossier is what motcua knows of one dossier, folded from its events.
type Dossier struct {
	ID           string
	Unit         string // of the received event: the dossier's figures belong to it
	HandlingUnit string // the receiver, or the target of the last transfer: alerted about it
	Procedure    string
	Official     string
	Channel      Channel

	ReceivedAt  time.Time
	ResolvedAt  time.Time // first resolved event
	ReturnedAt  time.Time
	RejectedAt  time.Time
	WithdrawnAt time.Time

	ReturnChannel ReturnChannel
	// DueAt is the effective due date: the due_at of the most recent event
	// carrying one, else computed from the procedure's processing time.
	DueAt       time.Time
	DueComputed bool
	// Paused is the working time spent under closed supplement requests;
	// PausedSince is the start of a request still open (zero if none).
	Paused      time.Duration
	PausedSince time.Time

	FeeVND     int64
	PaidOnline bool
	Digitized  bool
}

// Fold builds a dossier from its events, in any order. proc gives the
// procedure's processing days, used when no event carries a due date;
// cal is the working-day calendar.
func Fold(events []Event, cal *Calendar, processingDays func(procedure string) (float64, bool)) Dossier {
	evs := append([]Event(nil), events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	var d Dossier
	var dueAt time.Time
	for _, e := range evs {
		if d.ID == "" {
			d.ID = e.DossierID
		}
		if !e.DueAt.IsZero() {
			dueAt = e.DueAt // the most recent event carrying one wins
		}
		if e.FeeVND != nil {
			d.FeeVND = *e.FeeVND
		}
		if e.PaidOnline != nil {
			d.PaidOnline = *e.PaidOnline
		}
		if e.Digitized != nil {
			d.Digitized = d.Digitized || *e.Digitized
		}
		switch e.Type {
		case Received:
			if d.ReceivedAt.IsZero() {
				d.ReceivedAt, d.Unit, d.Channel, d.Official = e.At, e.Unit, e.Channel, e.Official
				d.Procedure = e.Procedure
			}
			if d.HandlingUnit == "" {
				d.HandlingUnit = e.Unit
			}
		case Transferred:
			d.HandlingUnit = e.Unit
		case SupplementRequested:
			if d.PausedSince.IsZero() {
				d.PausedSince = e.At
			}
		case SupplementReceived:
			if !d.PausedSince.IsZero() {
				d.Paused += cal.WorkingTime(d.PausedSince, e.At)
				d.PausedSince = time.Time{}
			}
		case Resolved:
			if d.ResolvedAt.IsZero() {
				d.ResolvedAt = e.At
			}
		case Returned:
			if d.ReturnedAt.IsZero() {
				d.ReturnedAt, d.ReturnChannel = e.At, e.ReturnChannel
			}
		case Rejected:
			if d.RejectedAt.IsZero() {
				d.RejectedAt = e.At
			}
		case Withdrawn:
			if d.WithdrawnAt.IsZero() {
				d.WithdrawnAt = e.At
			}
		}
		if d.Procedure == "" {
			d.Procedure = e.Procedure
		}
	}
	if d.Unit == "" && len(evs) > 0 { // events before the reception arrived first
		d.Unit, d.HandlingUnit = evs[0].Unit, evs[len(evs)-1].Unit
	}
	if !dueAt.IsZero() {
		d.DueAt = dueAt
	} else if !d.ReceivedAt.IsZero() && processingDays != nil {
		if days, ok := processingDays(d.Procedure); ok && days > 0 {
			d.DueAt = cal.Add(d.ReceivedAt, time.Duration(days*float64(cal.WorkingDayLength()))+d.Paused)
			d.DueComputed = true
		}
	}
	return d
}

// ClosedAt is when the dossier stopped being open: its first resolution,
// rejection or withdrawal; zero while open.
func (d *Dossier) ClosedAt() time.Time {
	var c time.Time
	for _, t := range []time.Time{d.ResolvedAt, d.RejectedAt, d.WithdrawnAt} {
		if !t.IsZero() && (c.IsZero() || t.Before(c)) {
			c = t
		}
	}
	return c
}

// Outcome is the outcome of a resolved dossier; empty when not resolved.
func (d *Dossier) Outcome() Outcome {
	if d.ResolvedAt.IsZero() {
		return ""
	}
	return OutcomeOf(d.ResolvedAt, d.DueAt)
}

// StateAt returns where the dossier stands at t. window is the unit's alert
// window in working time (one working day when zero).
func (d *Dossier) StateAt(t time.Time, cal *Calendar, window time.Duration) State {
	at := func(x time.Time) bool { return !x.IsZero() && !x.After(t) }
	switch {
	case d.ReceivedAt.IsZero() || d.ReceivedAt.After(t):
		return StateNone
	case at(d.WithdrawnAt):
		return StateWithdrawn
	case at(d.RejectedAt):
		return StateRejected
	case at(d.ReturnedAt) && at(d.ResolvedAt):
		return StateReturned
	case at(d.ResolvedAt):
		return StateResolved
	}
	due := d.DueAt
	if due.IsZero() {
		return StateOpen
	}
	if d.DueComputed && at(d.PausedSince) {
		// The clock stopped at the supplement request: the due date moves on
		// with every working hour spent waiting.
		due = cal.Add(due, cal.WorkingTime(d.PausedSince, t))
	}
	if !t.Before(nextDay(midnight(due))) {
		return StateOverdue
	}
	if window <= 0 {
		window = cal.WorkingDayLength()
	}
	if cal.WorkingTime(t, due) <= window {
		return StateApproaching
	}
	return StateOpen
}
