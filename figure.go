package motcua

import "time"

// Figure names one count of the summary: the dossiers in a state over a
// period (new, resolved late, open at its end) or at an instant (open,
// overdue, approaching now). Every count on a page is a figure, and the list
// of the dossiers behind it selects by the same figure, so the two agree.
type Figure string

// The figures.
const (
	FigHandled        Figure = "handled"
	FigNew            Figure = "new"
	FigCarriedOver    Figure = "carried_over"
	FigNewOnline      Figure = "new_online"
	FigNewDirect      Figure = "new_direct"
	FigNewPostal      Figure = "new_postal"
	FigResolved       Figure = "resolved"
	FigEarly          Figure = "early"
	FigOnTime         Figure = "on_time"
	FigLate           Figure = "late"
	FigOpenAtEnd      Figure = "open_at_end"
	FigWithinDueAtEnd Figure = "within_due_at_end"
	FigOverdueAtEnd   Figure = "overdue_at_end"
	FigReturnedPostal Figure = "returned_postal"
	// FigClosedUnresolved: withdrawn or refused in the period without a
	// result; form 06 counts them resolved on time.
	FigClosedUnresolved Figure = "closed_unresolved"
	// FigOverdueUnpausedAtEnd: overdue at the end and not waiting for a
	// supplement then; form 06 counts a paused dossier within due.
	FigOverdueUnpausedAtEnd Figure = "overdue_unpaused_at_end"
	FigOpenNow              Figure = "open_now"
	FigOverdueNow           Figure = "overdue_now"
	FigApproachingNow       Figure = "approaching_now"
)

// Figures lists every figure in the order pages show them.
var Figures = []Figure{FigHandled, FigNew, FigCarriedOver, FigNewOnline, FigNewDirect, FigNewPostal,
	FigResolved, FigEarly, FigOnTime, FigLate, FigOpenAtEnd, FigWithinDueAtEnd, FigOverdueAtEnd, FigReturnedPostal,
	FigClosedUnresolved, FigOverdueUnpausedAtEnd, FigOpenNow, FigOverdueNow, FigApproachingNow}

var figureLabels = map[Figure]string{
	FigHandled:              "Hồ sơ đã tiếp nhận (tổng)",
	FigNew:                  "Mới tiếp nhận trong kỳ",
	FigCarriedOver:          "Từ kỳ trước chuyển qua",
	FigNewOnline:            "Tiếp nhận trực tuyến",
	FigNewDirect:            "Tiếp nhận trực tiếp",
	FigNewPostal:            "Tiếp nhận qua bưu chính công ích",
	FigResolved:             "Đã giải quyết",
	FigEarly:                "Giải quyết trước hạn",
	FigOnTime:               "Giải quyết đúng hạn",
	FigLate:                 "Giải quyết quá hạn",
	FigOpenAtEnd:            "Đang giải quyết cuối kỳ",
	FigWithinDueAtEnd:       "Đang giải quyết trong hạn cuối kỳ",
	FigOverdueAtEnd:         "Đang giải quyết quá hạn cuối kỳ",
	FigReturnedPostal:       "Trả kết quả qua bưu chính",
	FigClosedUnresolved:     "Rút hồ sơ hoặc từ chối trong kỳ",
	FigOverdueUnpausedAtEnd: "Quá hạn cuối kỳ, không chờ bổ sung",
	FigOpenNow:              "Đang giải quyết hiện nay",
	FigOverdueNow:           "Quá hạn hiện nay",
	FigApproachingNow:       "Sắp đến hạn",
}

// Valid reports whether f is a figure.
func (f Figure) Valid() bool { _, ok := figureLabels[f]; return ok }

// Label is the figure's name in Vietnamese.
func (f Figure) Label() string { return figureLabels[f] }

// AtInstant reports whether f counts at an instant (now) rather than over
// a period.
func (f Figure) AtInstant() bool {
	return f == FigOpenNow || f == FigOverdueNow || f == FigApproachingNow
}

// Of returns the count of figure f.
func (c Counts) Of(f Figure) uint64 {
	switch f {
	case FigHandled:
		return c.Handled
	case FigNew:
		return c.New
	case FigCarriedOver:
		return c.CarriedOver
	case FigNewOnline:
		return c.NewOnline
	case FigNewDirect:
		return c.NewDirect
	case FigNewPostal:
		return c.NewPostal
	case FigResolved:
		return c.Resolved
	case FigEarly:
		return c.Early
	case FigOnTime:
		return c.OnTime
	case FigLate:
		return c.Late
	case FigOpenAtEnd:
		return c.OpenAtEnd
	case FigWithinDueAtEnd:
		return c.OpenAtEnd - c.OverdueAtEnd
	case FigOverdueAtEnd:
		return c.OverdueAtEnd
	case FigReturnedPostal:
		return c.ReturnedPostal
	case FigClosedUnresolved:
		return c.ClosedUnresolved
	case FigOverdueUnpausedAtEnd:
		return c.OverdueUnpausedAtEnd
	case FigOpenNow:
		return c.OpenNow
	case FigOverdueNow:
		return c.OverdueNow
	case FigApproachingNow:
		return c.ApproachingNow
	}
	return 0
}

// Instant is the moment that the figures at an instant (open, overdue and
// approaching now) are counted at, with, for each unit handling dossiers,
// the latest due time that is approaching then.
type Instant struct {
	At time.Time
	// Approach holds the latest approaching due time of each unit with an
	// alert window of its own; Default that of every other unit.
	Approach map[string]time.Time
	Default  time.Time
}

// InstantAt returns the instant t with each unit's alert window applied on
// the calendar.
func (c *Catalog) InstantAt(t time.Time, cal *Calendar) Instant {
	in := Instant{At: t, Default: cal.ApproachingUntil(t, 0)}
	for _, u := range c.Units {
		if u.AlertWindowHours > 0 {
			if in.Approach == nil {
				in.Approach = map[string]time.Time{}
			}
			in.Approach[u.Code] = cal.ApproachingUntil(t, time.Duration(u.AlertWindowHours*float64(time.Hour)))
		}
	}
	return in
}

// ApproachingUntil returns the latest due time that is approaching at t
// with an alert window of window working time (0: one working day): a due
// time within window of working time from t, or in the break after it,
// which adds no working time.
func (c *Calendar) ApproachingUntil(t time.Time, window time.Duration) time.Time {
	if window <= 0 {
		window = c.day
	}
	end := c.Add(t, window)
	return c.Add(end, time.Second).Add(-time.Second)
}
