package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/reports"
)

// reportCmd runs `motcua report KIND`.
func reportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "weekly" && args[0] != "form06" && args[0] != "text" {
		fmt.Fprintln(stderr, `usage: motcua report weekly [--week 2024-W10] [--unit CODE] [--format xlsx|csv|json|html] [--out FILE|-]
       motcua report form06 (--from D --to D | --period month|quarter|half|nine_months|year --year Y [--n N] [--official]) [--unit CODE] [--format xlsx|json|html] [--out FILE|-]
       motcua report text (--from D --to D | --period ...) [--unit CODE]`)
		return errUsage
	}
	kind, args := args[0], args[1:]
	fs := flag.NewFlagSet("report "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(args)
	if err != nil {
		return err
	}
	sf := stackFlags{cfg: &cfg}
	sf.register(fs)
	weekFlag := fs.String("week", "", "weekly: ISO `WEEK` such as 2024-W10 (default: the last complete week)")
	from := fs.String("from", "", "form06, text: first `DAY` of the period, YYYY-MM-DD")
	to := fs.String("to", "", "form06, text: last `DAY` of the period, YYYY-MM-DD")
	periodKind := fs.String("period", "", "form06, text: a named period: month, quarter, half, nine_months or year, with --year and --n")
	year := fs.Int("year", time.Now().Year(), "form06, text: the `YEAR` of --period")
	n := fs.Int("n", 1, "form06, text: the month (1-12), quarter (1-4) or half (1-2) of --period")
	unitsAs := fs.String("units", motcua.UnitsAsReceived, "form06, text: as_received (each dossier under the unit that received it) or current (under today's unit, after merges)")
	official := fs.Bool("official", false, "form06, text: the official reporting period of --period (from the 15th to the 14th)")
	unit := fs.String("unit", "", "the unit `CODE` and its subtree (default: every unit)")
	format := fs.String("format", "xlsx", "xlsx, csv, json or html")
	table := fs.String("table", "", "with --format csv, the `NAME` of the table (default the first: units)")
	send := fs.Bool("send", false, "weekly: send the report to each unit head (Slack token or webhook of the alerts) instead of writing it; once per week and head")
	alertFlags(fs, &cfg)
	out := fs.String("out", "", "`FILE` to write, or - for standard output (default: motcua-weekly-WEEK.FORMAT)")
	if err := parse(fs, args); err != nil {
		return err
	}
	week := reports.LastCompleteWeek(time.Now())
	if *weekFlag != "" {
		if week, err = reports.ParseWeek(*weekFlag); err != nil {
			return err
		}
	}
	switch *format {
	case reports.FormatXLSX, reports.FormatCSV, reports.FormatJSON, reports.FormatHTML:
	default:
		return fmt.Errorf("--format %q: want xlsx, csv, json or html", *format)
	}
	var period motcua.Period
	if kind != "weekly" {
		switch {
		case *from != "" || *to != "":
			f, err1 := time.ParseInLocation(time.DateOnly, *from, motcua.Location)
			t, err2 := time.ParseInLocation(time.DateOnly, *to, motcua.Location)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("--from %q --to %q: want two days YYYY-MM-DD", *from, *to)
			}
			if period, err = motcua.CustomPeriod(f, t); err != nil {
				return err
			}
		case *periodKind != "":
			if period, err = motcua.NewPeriod(motcua.PeriodKind(*periodKind), *year, *n, *official); err != nil {
				return err
			}
		default:
			return errors.New("give the period: --from D --to D, or --period with --year (and --n, --official)")
		}
	}
	log := newLogger(stderr)
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.close()
	if _, err := st.ensureCatalog(ctx, "", log); err != nil {
		return err
	}
	fig := figures.New(st.wh, figures.Config{NoFold: true}, log, prometheus.NewRegistry())
	if err := fig.Open(ctx); err != nil {
		return err
	}
	cat := fig.Catalog()
	var succ map[string]string
	switch *unitsAs {
	case motcua.UnitsAsReceived:
	case motcua.UnitsCurrent:
		succ = cat.Successors(time.Now())
	default:
		return fmt.Errorf("--units %q: want as_received or current", *unitsAs)
	}
	if *send {
		if kind != "weekly" {
			return errors.New("--send is for the weekly report")
		}
		_, senders := alertSetup(cfg.Alerts, log)
		if len(senders) == 0 {
			return errors.New("nothing to send to: give a Slack token (env MOTCUA_SLACK_TOKEN, --slack-token-file) or --webhook-url")
		}
		d := reports.NewDeliverer(st.wh, st.wh, fig, senders[0], deliverySetup(cfg, log))
		n, skipped, err := d.Weekly(ctx, week, time.Now())
		fmt.Fprintf(stdout, "%s: sent to %d unit heads", week.Label(), n)
		var nobody []string
		for _, s := range skipped {
			if strings.HasSuffix(s, "không có người nhận") {
				nobody = append(nobody, s)
			}
		}
		if len(nobody) > 0 {
			fmt.Fprintf(stdout, "; not sent: %s", strings.Join(nobody, "; "))
		}
		if quiet := len(skipped) - len(nobody); quiet > 0 {
			fmt.Fprintf(stdout, "; %d units had no dossiers in the week", quiet)
		}
		fmt.Fprintln(stdout)
		return err
	}
	unitName := ""
	if u, ok := cat.Unit(*unit); ok {
		unitName = u.Name
	}
	var doc *export.Doc
	var value any
	var name, label string
	switch kind {
	case "weekly":
		w, err := reports.BuildWeekly(ctx, st.wh, cat, fig.Calendar(), week, *unit)
		if err != nil {
			return err
		}
		doc, value, name, label = w.Doc("Báo cáo tiếp nhận hồ sơ trực tuyến theo tuần"), w, "weekly-"+week.String(), fmt.Sprintf("%s, %d units", week.Label(), len(w.Units))
	case "form06":
		f, err := reports.BuildForm06(ctx, st.wh, cat, period, *unit, succ)
		if err != nil {
			return err
		}
		doc, value, name, label = f.Doc(unitName), f, "form06-"+period.From.Format("20060102")+"-"+period.To.Format("20060102"), period.Label()
	case "text":
		txt, err := reports.BuildText(ctx, st.wh, cat, period, *unit, succ)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, txt.String())
		return err
	}
	path := *out
	if path == "" {
		path = fmt.Sprintf("motcua-%s.%s", name, *format)
	}
	var dst io.Writer = stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("cannot write the report: %w", err)
		}
		defer f.Close()
		dst = f
	}
	if err := reports.Write(dst, *format, doc, *table, value); err != nil {
		return err
	}
	if path != "-" {
		fmt.Fprintf(stdout, "wrote %s: %s\n", path, label)
	}
	return nil
}
