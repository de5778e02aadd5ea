// Package alerts tells each unit head, on Slack or a webhook, of the
// dossiers of their unit that approach or pass their deadline: one digest
// per unit per pass, each dossier once per stage (approaching, overdue),
// the overdue again in a working day's first pass after the repeat time,
// the long overdue also to leadership, and the message that named a dossier
// updated once it closes. A pass reads the same figures the dashboards
// show (overdue_now, approaching_now) and the notification log, so a
// restart neither repeats nor forgets; messages go out in working time
// only, and what falls due outside it waits for the next working pass.
package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/notify"
)

// Store is what a pass reads and writes: the dossiers of a figure and the
// notification log.
type Store interface {
	EachDossier(ctx context.Context, q motcua.DossierQuery, fn func(motcua.DossierRow) error) error
	// AlertCounts counts the overdue and approaching dossiers by the unit
	// handling them.
	AlertCounts(ctx context.Context, now *motcua.Instant) (map[string][2]uint64, error)
	// ClosedNotices returns the log's rows, not marked done, of dossiers no
	// longer open.
	ClosedNotices(ctx context.Context, now *motcua.Instant) ([]motcua.Notice, error)
	RecordNotices(ctx context.Context, ns []motcua.Notice) error
	SaveMessage(ctx context.Context, channel, ts, recipient, body string) error
	Message(ctx context.Context, channel, ts string) (string, error)
}

// Figures gives the catalogue and calendar in force.
type Figures interface {
	Catalog() *motcua.Catalog
	Calendar() *motcua.Calendar
}

// Config configures the alerter.
type Config struct {
	// PublicURL is where the dashboards are, for the messages' links.
	PublicURL string
	// RepeatAt is the time of day after which a working day's first pass
	// names the overdue dossiers again; default 07:30.
	RepeatAt time.Duration
	// EscalateAfter is how many working days overdue a dossier also goes
	// to EscalateTo (a Slack id or channel; none when empty); default 3.
	EscalateAfter float64
	EscalateTo    string
	// Every is the time between passes of Start; default 5 minutes.
	Every time.Duration
	// DryRun prints the messages to Out instead of sending them, and
	// records nothing.
	DryRun bool
	Out    io.Writer
	Now    func() time.Time
	Log    *slog.Logger
}

// Alerter runs passes.
type Alerter struct {
	store   Store
	fig     Figures
	senders []notify.Sender
	cfg     Config
	m       *metrics
	stop    chan struct{}
	wg      sync.WaitGroup
}

// New returns an alerter that sends through senders (the first one's
// receipts are recorded; the others get the same messages).
func New(store Store, fig Figures, senders []notify.Sender, cfg Config, reg prometheus.Registerer) *Alerter {
	if cfg.RepeatAt == 0 {
		cfg.RepeatAt = 7*time.Hour + 30*time.Minute
	}
	if cfg.EscalateAfter == 0 {
		cfg.EscalateAfter = 3
	}
	if cfg.Every <= 0 {
		cfg.Every = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Alerter{store: store, fig: fig, senders: senders, cfg: cfg, m: newMetrics(reg), stop: make(chan struct{})}
}

// Start runs a pass every cfg.Every until Stop.
func (a *Alerter) Start() {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(a.cfg.Every)
		defer t.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Every)
			if _, err := a.Pass(ctx, a.cfg.Now()); err != nil {
				a.cfg.Log.Warn("an alert pass failed; the next pass tries again", "err", err)
			}
			cancel()
			select {
			case <-a.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// Stop stops the passes after the one under way.
func (a *Alerter) Stop() {
	close(a.stop)
	a.wg.Wait()
}

// Result is what a pass did.
type Result struct {
	// Deferred is true when the pass fell outside working time and sent
	// nothing new.
	Deferred bool
	// Messages sent, and the dossiers they named by stage.
	Messages int
	Named    map[motcua.Stage]int
	// Failed messages (tried again by the next pass) and updates.
	Failed, Updated int
	// Unrouted are the units with dossiers to tell of and no head or
	// channel to tell.
	Unrouted []string
}

// item is a dossier a pass tells of.
type item struct {
	row   motcua.DossierRow
	stage motcua.Stage // approaching, overdue or repeat
	late  float64      // working days late (overdue) or left (approaching)
}

// Pass runs one pass as if it were at: it finds the open dossiers overdue
// or approaching then, tells each unit's recipient of those not told yet
// (and of the overdue again after the repeat time), escalates the long
// overdue, and updates the messages of dossiers that closed since.
func (a *Alerter) Pass(ctx context.Context, at time.Time) (Result, error) {
	start := time.Now()
	defer func() {
		a.m.duration.Observe(time.Since(start).Seconds())
		a.m.last.SetToCurrentTime()
	}()
	res := Result{Named: map[motcua.Stage]int{}}
	cat, cal := a.fig.Catalog(), a.fig.Calendar()
	inst := cat.InstantAt(at, cal)
	// The unit that handles a dossier today: a unit merged away hands its
	// dossiers to its successor.
	handler := func(code string) string { return cat.Current(code, at) }
	byHandler, err := a.store.AlertCounts(ctx, &inst)
	if err != nil {
		return res, err
	}
	counts := map[string][2]uint64{} // unit → overdue, approaching open now
	for u, c := range byHandler {
		cur := counts[handler(u)]
		counts[handler(u)] = [2]uint64{cur[0] + c[0], cur[1] + c[1]}
	}
	a.setGauges(cat, counts)
	if err := a.finish(ctx, at, &inst, &res); err != nil {
		return res, err
	}
	if !cal.IsWorking(at) {
		res.Deferred = true
		return res, nil
	}
	// What has not been told yet, found in ClickHouse against the log: a
	// pass reads the dossiers it will name, not every open one.
	day := motcua.DayOf(at)
	lateBy := func(r motcua.DossierRow) float64 {
		return float64(cal.WorkingTime(endOfDay(r.DueAt), at)) / float64(cal.WorkingDayLength())
	}
	byUnit := map[string][]item{}
	fresh := map[string]bool{}
	add := func(q motcua.DossierQuery, stage motcua.Stage) error {
		q.Now = &inst
		return a.store.EachDossier(ctx, q, func(r motcua.DossierRow) error {
			it := item{row: r, stage: stage}
			switch stage {
			case motcua.StageApproaching:
				it.late = float64(cal.WorkingTime(at, r.DueAt)) / float64(cal.WorkingDayLength())
			case motcua.StageRepeat:
				if fresh[r.ID] {
					return nil // told for the first time in this pass
				}
				it.late = lateBy(r)
			default:
				fresh[r.ID] = true
				it.late = lateBy(r)
			}
			h := handler(r.HandlingUnit)
			byUnit[h] = append(byUnit[h], it)
			return nil
		})
	}
	if err := add(motcua.DossierQuery{Figure: motcua.FigOverdueNow, NotTold: &motcua.NotTold{Stages: []motcua.Stage{motcua.StageOverdue}}},
		motcua.StageOverdue); err != nil {
		return res, err
	}
	if cal.IsWorkingDay(at) && at.In(motcua.Location).Sub(day) >= a.cfg.RepeatAt {
		q := motcua.DossierQuery{Figure: motcua.FigOverdueNow, NotTold: &motcua.NotTold{Stages: []motcua.Stage{motcua.StageOverdue, motcua.StageRepeat}, Day: day}}
		if err := add(q, motcua.StageRepeat); err != nil {
			return res, err
		}
	}
	if err := add(motcua.DossierQuery{Figure: motcua.FigApproachingNow,
		NotTold: &motcua.NotTold{Stages: []motcua.Stage{motcua.StageApproaching, motcua.StageOverdue}}}, motcua.StageApproaching); err != nil {
		return res, err
	}
	var escalate []item
	if a.cfg.EscalateTo != "" {
		q := motcua.DossierQuery{Now: &inst, Figure: motcua.FigOverdueNow, DueBefore: lateSince(cal, at, a.cfg.EscalateAfter),
			NotTold: &motcua.NotTold{Stages: []motcua.Stage{motcua.StageEscalated}}}
		err := a.store.EachDossier(ctx, q, func(r motcua.DossierRow) error {
			escalate = append(escalate, item{row: r, stage: motcua.StageOverdue, late: lateBy(r)})
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	units := make([]string, 0, len(byUnit))
	for u := range byUnit {
		units = append(units, u)
	}
	sort.Strings(units)
	var failed []error
	for _, code := range units {
		u, _ := cat.Unit(code)
		to := u.AlertChannel
		if to == "" {
			to = u.HeadSlackID
		}
		if to == "" {
			res.Unrouted = append(res.Unrouted, code)
			a.cfg.Log.Warn("a unit has dossiers to alert of and no head_slack_id or alert_channel in the catalogue",
				"unit", code, "dossiers", len(byUnit[code]))
			continue
		}
		m := a.digest(cat, u, to, byUnit[code], counts[code], at)
		if err := a.send(ctx, m, byUnit[code], code, at, &res); err != nil {
			failed = append(failed, err)
		}
	}
	a.m.unrouted.Set(float64(len(res.Unrouted)))
	if len(escalate) > 0 {
		m := a.escalation(cat, escalate, at)
		for i := range escalate {
			escalate[i].stage = motcua.StageEscalated
		}
		if err := a.send(ctx, m, escalate, "", at, &res); err != nil {
			failed = append(failed, err)
		}
	}
	return res, errors.Join(failed...)
}

// endOfDay is midnight after t's day: when a dossier due on that day
// becomes overdue.
func endOfDay(t time.Time) time.Time { return motcua.DayOf(t).AddDate(0, 0, 1) }

// send delivers m and records the dossiers it named; a failure leaves them
// to the next pass.
func (a *Alerter) send(ctx context.Context, m notify.Message, items []item, unit string, at time.Time, res *Result) error {
	if a.cfg.DryRun {
		body, _ := json.MarshalIndent(m, "", "  ")
		fmt.Fprintf(a.cfg.Out, "%s\n", body)
		res.Messages++
		for _, it := range items {
			res.Named[it.stage]++
		}
		return nil
	}
	var ref notify.Ref
	for i, s := range a.senders {
		r, err := s.Send(ctx, m)
		if err != nil {
			a.m.failed.WithLabelValues(s.Name(), m.Kind).Inc()
			if i == 0 {
				res.Failed++
				return fmt.Errorf("cannot send the %s digest to %q: %w", m.Kind, m.To, err)
			}
			a.cfg.Log.Warn("cannot send a copy of a digest", "sender", s.Name(), "to", m.To, "err", err)
			continue
		}
		a.m.sent.WithLabelValues(s.Name(), m.Kind).Inc()
		if i == 0 {
			ref = r
		}
	}
	res.Messages++
	notices := make([]motcua.Notice, len(items))
	for i, it := range items {
		notices[i] = motcua.Notice{DossierID: it.row.ID, Stage: it.stage, Unit: it.row.HandlingUnit, Recipient: m.To,
			Channel: ref.Channel, TS: ref.TS, Day: motcua.DayOf(at), SentAt: at}
		res.Named[it.stage]++
	}
	body, _ := json.Marshal(m)
	if err := a.store.SaveMessage(ctx, ref.Channel, ref.TS, m.To, string(body)); err != nil {
		a.cfg.Log.Warn("cannot keep a sent message for its update", "err", err)
	}
	if err := a.store.RecordNotices(ctx, notices); err != nil {
		// Sent but not recorded: the next pass sends these again.
		return fmt.Errorf("sent the %s digest to %q but cannot record it: %w", m.Kind, m.To, err)
	}
	return nil
}

// finish updates the messages that named dossiers closed since, marking
// them done.
func (a *Alerter) finish(ctx context.Context, at time.Time, inst *motcua.Instant, res *Result) error {
	if a.cfg.DryRun {
		return nil
	}
	told, err := a.store.ClosedNotices(ctx, inst)
	if err != nil || len(told) == 0 {
		return err
	}
	isClosed := map[string]bool{}
	var closed []string
	for _, n := range told {
		if !isClosed[n.DossierID] {
			isClosed[n.DossierID] = true
			closed = append(closed, n.DossierID)
		}
	}
	type key struct{ channel, ts string }
	msgs := map[key]bool{}
	for _, n := range told {
		if n.TS != "" && isClosed[n.DossierID] {
			msgs[key{n.Channel, n.TS}] = true
		}
	}
	for k := range msgs {
		body, err := a.store.Message(ctx, k.channel, k.ts)
		if err != nil {
			return err
		}
		var m notify.Message
		if body == "" || json.Unmarshal([]byte(body), &m) != nil {
			continue
		}
		for i := range m.Items {
			if isClosed[m.Items[i].ID] {
				m.Items[i].Done = true
			}
		}
		if err := a.senders[0].Update(ctx, notify.Ref{Channel: k.channel, TS: k.ts}, m); err != nil {
			a.m.failed.WithLabelValues(a.senders[0].Name(), "update").Inc()
			a.cfg.Log.Warn("cannot update a message whose dossiers closed", "channel", k.channel, "ts", k.ts, "err", err)
			continue
		}
		a.m.sent.WithLabelValues(a.senders[0].Name(), "update").Inc()
		res.Updated++
		b, _ := json.Marshal(m)
		if err := a.store.SaveMessage(ctx, k.channel, k.ts, m.To, string(b)); err != nil {
			return err
		}
	}
	done := make([]motcua.Notice, len(closed))
	for i, id := range closed {
		done[i] = motcua.Notice{DossierID: id, Stage: motcua.StageDone, Day: motcua.DayOf(at), SentAt: at}
	}
	return a.store.RecordNotices(ctx, done)
}

// link is a page of the dashboards with a query.
func (a *Alerter) link(path string, kv ...string) string {
	if a.cfg.PublicURL == "" {
		return ""
	}
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	if len(q) == 0 {
		return a.cfg.PublicURL + path
	}
	return a.cfg.PublicURL + path + "?" + q.Encode()
}

// lateSince returns the midnight before which a due day must have ended for
// the dossier to be days working days late at at.
func lateSince(cal *motcua.Calendar, at time.Time, days float64) time.Time {
	need := time.Duration(days * float64(cal.WorkingDayLength()))
	d := motcua.DayOf(at)
	for range 3660 {
		if cal.WorkingTime(d, at) >= need {
			return d
		}
		d = d.AddDate(0, 0, -1)
	}
	return d
}
