package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
	"github.com/motcua/motcua/notify"
)

// DeliveryLog is the record of the reports sent.
type DeliveryLog interface {
	Delivered(ctx context.Context, kind, period string) (map[string]bool, error)
	RecordDelivery(ctx context.Context, kind, period, recipient, channel, ts string, at time.Time) error
}

// Figures gives the catalogue and calendar in force.
type Figures interface {
	Catalog() *motcua.Catalog
	Calendar() *motcua.Calendar
}

// DeliveryConfig configures the scheduled delivery of the reports.
type DeliveryConfig struct {
	// WeeklyAt is the time on Monday from which the weekly report of the
	// week before goes to each unit head; default 07:30.
	WeeklyAt time.Duration
	// Form06To is the Slack id or channel of leadership, who get form 06
	// of each reporting month (the 15th to the 14th) once it has ended;
	// none when empty.
	Form06To  string
	PublicURL string
	// Every is the time between passes of Start; default 5 minutes.
	Every time.Duration
	Log   *slog.Logger
	Now   func() time.Time
}

// Deliverer sends the reports when they are due.
type Deliverer struct {
	src    Source
	log    DeliveryLog
	fig    Figures
	sender notify.Sender
	cfg    DeliveryConfig
	stop   chan struct{}
	wg     sync.WaitGroup
}

// NewDeliverer returns a deliverer that sends through sender.
func NewDeliverer(src Source, log DeliveryLog, fig Figures, sender notify.Sender, cfg DeliveryConfig) *Deliverer {
	if cfg.WeeklyAt == 0 {
		cfg.WeeklyAt = 7*time.Hour + 30*time.Minute
	}
	if cfg.Every <= 0 {
		cfg.Every = 5 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Deliverer{src: src, log: log, fig: fig, sender: sender, cfg: cfg, stop: make(chan struct{})}
}

// Start runs a pass every cfg.Every until Stop.
func (d *Deliverer) Start() {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(d.cfg.Every)
		defer t.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Every)
			if _, err := d.Pass(ctx, d.cfg.Now()); err != nil {
				d.cfg.Log.Warn("a report delivery failed; the next pass tries again", "err", err)
			}
			cancel()
			select {
			case <-d.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// Stop stops the passes after the one under way.
func (d *Deliverer) Stop() {
	close(d.stop)
	d.wg.Wait()
}

// Delivery says what a pass sent.
type Delivery struct {
	Weekly, Form06 int
	Week, Month    string
	Skipped        []string // units with no dossiers in the week, or nobody to send to
}

// Pass sends what is due at at and not sent yet: the weekly report of the
// last complete week to each unit head from Monday's WeeklyAt, and form 06
// of the last ended reporting month to Form06To. A delivery missed while
// motcua was down goes out at the first pass after.
func (d *Deliverer) Pass(ctx context.Context, at time.Time) (Delivery, error) {
	var res Delivery
	week := LastCompleteWeek(at)
	var errs []error
	if at.Sub(WeekOf(at).From) >= d.cfg.WeeklyAt {
		res.Week = week.String()
		n, skipped, err := d.Weekly(ctx, week, at)
		res.Weekly, res.Skipped = n, skipped
		errs = append(errs, err)
	}
	if d.cfg.Form06To != "" {
		// The reporting month that ended last: the 15th to the 14th.
		day := motcua.DayOf(at)
		m := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, motcua.Location)
		if day.Day() <= 14 {
			m = m.AddDate(0, -1, 0)
		}
		p, err := motcua.NewPeriod(motcua.PeriodMonth, m.Year(), int(m.Month()), true)
		if err == nil {
			res.Month = p.Label()
			n, err := d.form06(ctx, p, at)
			res.Form06 = n
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// Weekly sends the weekly report of week to each unit head not sent it
// yet, with its XLSX; a unit with no dossiers received in the week, or
// nobody to send to, gets nothing.
func (d *Deliverer) Weekly(ctx context.Context, week Week, at time.Time) (int, []string, error) {
	cat := d.fig.Catalog()
	done, err := d.log.Delivered(ctx, "weekly", week.String())
	if err != nil {
		return 0, nil, err
	}
	all, err := BuildWeekly(ctx, d.src, cat, d.fig.Calendar(), week, "")
	if err != nil {
		return 0, nil, err
	}
	sent := 0
	var skipped []string
	var errs []error
	for _, uw := range all.Units {
		u, _ := cat.Unit(uw.Unit)
		to := u.AlertChannel
		if to == "" {
			to = u.HeadSlackID
		}
		switch {
		case uw.Received == 0:
			skipped = append(skipped, uw.Unit+": không có hồ sơ")
			continue
		case to == "":
			skipped = append(skipped, uw.Unit+": không có người nhận")
			continue
		case done[to+"/"+uw.Unit]:
			continue
		}
		one := *all
		one.Units = []UnitWeek{uw}
		doc := one.Doc("Báo cáo tiếp nhận hồ sơ trực tuyến theo tuần: " + u.Name)
		m := notify.Message{Kind: "report", To: to, Title: fmt.Sprintf("Báo cáo tuần %s: %s", week.Label(), u.Name),
			Summary: fmt.Sprintf("Tiếp nhận %s hồ sơ, trực tuyến %s (%s); %d/%d công chức chưa đạt chỉ tiêu tuần. %s",
				motcua.FormatCount(uw.Received), motcua.FormatCount(uw.Online), motcua.FormatShare(uw.OnlineShare.Value, 1),
				uw.Below, len(uw.Officials), all.Note)}
		for _, o := range uw.Officials {
			m.Items = append(m.Items, notify.Item{ID: o.Name, Group: groupOf(o.Met),
				Text: fmt.Sprintf("trực tuyến %d / chỉ tiêu %s", o.Online, strings.Replace(fmt.Sprint(o.Target), ".", ",", 1))})
		}
		if d.cfg.PublicURL != "" {
			m.Links = []notify.Link{{Text: "Xem báo cáo", URL: fmt.Sprintf("%s/reports/weekly?week=%s&unit=%s", d.cfg.PublicURL, week, uw.Unit)}}
		}
		if err := d.send(ctx, m, doc, fmt.Sprintf("motcua-tuan-%s-%s.xlsx", week, tableName(uw.Unit)), "weekly", week.String(), to+"/"+uw.Unit, at); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	return sent, skipped, errors.Join(errs...)
}

func groupOf(met bool) string {
	if met {
		return "Đạt chỉ tiêu"
	}
	return "Chưa đạt chỉ tiêu"
}

// form06 sends form 06 of the period to leadership once.
func (d *Deliverer) form06(ctx context.Context, p motcua.Period, at time.Time) (int, error) {
	period := p.From.Format(time.DateOnly) + "/" + p.To.Format(time.DateOnly)
	done, err := d.log.Delivered(ctx, "form06", period)
	if err != nil || done[d.cfg.Form06To] {
		return 0, err
	}
	f, err := BuildForm06(ctx, d.src, d.fig.Catalog(), p, "", nil)
	if err != nil {
		return 0, err
	}
	m := notify.Message{Kind: "report", To: d.cfg.Form06To, Title: "Biểu số 06/VPCP/KSTT: " + p.Label(),
		Summary: fmt.Sprintf("Tổng số hồ sơ: %s; đã giải quyết %s (quá hạn %s); đang giải quyết %s (quá hạn %s).",
			motcua.FormatCount(f.Total.Received), motcua.FormatCount(f.Total.Resolved), motcua.FormatCount(f.Total.Late),
			motcua.FormatCount(f.Total.InProgress), motcua.FormatCount(f.Total.OverdueInProgr))}
	name := fmt.Sprintf("motcua-bieu06-%s-%s.xlsx", p.From.Format("20060102"), p.To.Format("20060102"))
	if err := d.send(ctx, m, f.Doc(""), name, "form06", period, d.cfg.Form06To, at); err != nil {
		return 0, err
	}
	return 1, nil
}

// send posts m with the report's XLSX, then records it.
func (d *Deliverer) send(ctx context.Context, m notify.Message, doc *export.Doc, name, kind, period, key string, at time.Time) error {
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, doc); err != nil {
		return err
	}
	ref, err := d.sender.Send(ctx, m)
	if err != nil {
		return fmt.Errorf("cannot send the %s report %s to %q: %w", kind, period, m.To, err)
	}
	if fs, ok := d.sender.(notify.FileSender); ok {
		if err := fs.SendFile(ctx, ref, notify.File{Name: name, Title: m.Title, Data: buf.Bytes()}); err != nil {
			return fmt.Errorf("sent the %s report %s to %q but not its file: %w", kind, period, m.To, err)
		}
	}
	if err := d.log.RecordDelivery(ctx, kind, period, key, ref.Channel, ref.TS, at); err != nil {
		return fmt.Errorf("sent the %s report %s to %q but cannot record it: %w", kind, period, m.To, err)
	}
	return nil
}
