package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/alerts"
	"github.com/motcua/motcua/config"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/notify/slack"
	"github.com/motcua/motcua/notify/webhook"
	"github.com/motcua/motcua/reports"
)

// alertFlags are the flags of the alerts, for serve and alerts run.
func alertFlags(fs *flag.FlagSet, cfg *config.Config) {
	a := &cfg.Alerts
	fs.Func("slack-token", "Slack bot `TOKEN` (xoxb-...); prefer env MOTCUA_SLACK_TOKEN or --slack-token-file, which ps does not show", func(v string) error {
		return cfg.SetSlackToken(v, "flag --slack-token")
	})
	fs.Func("slack-token-file", "`FILE` whose first line is the Slack bot token", cfg.SetSlackTokenFile)
	fs.StringVar(&a.SlackAPIURL, "slack-api-url", a.SlackAPIURL, "Slack's Web API `URL`, or a Slack-compatible gateway's")
	fs.StringVar(&a.WebhookURL, "webhook-url", a.WebhookURL, "`URL` that gets every alert message as JSON")
	fs.StringVar(&a.PublicURL, "public-url", a.PublicURL, "`URL` where readers reach the pages, for the messages' links")
	fs.Func("every", "time between alert passes (default "+a.Every.String()+")", a.Every.Set)
	fs.StringVar(&a.RepeatAt, "repeat-at", a.RepeatAt, "`HH:MM` after which a working day's first pass names the overdue dossiers again")
	fs.Float64Var(&a.EscalateAfter, "escalate-after", a.EscalateAfter, "working `DAYS` overdue after which a dossier also goes to --escalate-to")
	fs.StringVar(&a.EscalateTo, "escalate-to", a.EscalateTo, "Slack member id or channel of leadership, for the long overdue")
	fs.StringVar(&cfg.Reports.WeeklyAt, "weekly-at", cfg.Reports.WeeklyAt, "`HH:MM` on Monday from which each unit head gets last week's report")
	fs.StringVar(&cfg.Reports.Form06To, "form06-to", cfg.Reports.Form06To, "Slack member id or channel of leadership, for form 06 of each ended reporting month")
}

// deliverySetup turns the configuration into the deliverer's.
func deliverySetup(cfg config.Config, log *slog.Logger) reports.DeliveryConfig {
	at, _ := motcua.ParseClock(cfg.Reports.WeeklyAt)
	return reports.DeliveryConfig{WeeklyAt: at, Form06To: cfg.Reports.Form06To, PublicURL: cfg.Alerts.PublicURL,
		Every: time.Duration(cfg.Alerts.Every), Log: log.With("component", "reports")}
}

// alertSetup turns the configuration into the alerter's and its senders.
func alertSetup(cfg config.Alerts, log *slog.Logger) (alerts.Config, []notify.Sender) {
	repeat, _ := motcua.ParseClock(cfg.RepeatAt)
	ac := alerts.Config{PublicURL: cfg.PublicURL, RepeatAt: repeat, EscalateAfter: cfg.EscalateAfter, EscalateTo: cfg.EscalateTo,
		Every: time.Duration(cfg.Every), Log: log.With("component", "alerts")}
	var senders []notify.Sender
	if tok := cfg.SlackToken.Value(); tok != "" {
		senders = append(senders, slack.New(slack.Config{Token: tok, APIURL: cfg.SlackAPIURL}))
	}
	if cfg.WebhookURL != "" {
		senders = append(senders, &webhook.Sender{URL: cfg.WebhookURL})
	}
	return ac, senders
}

// alertsCmd runs `motcua alerts run`.
func alertsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, "usage: motcua alerts run [--once] [--at TIME] [--dry-run] [flags]")
		return errUsage
	}
	args = args[1:]
	fs := flag.NewFlagSet("alerts run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(args)
	if err != nil {
		return err
	}
	sf := stackFlags{cfg: &cfg}
	sf.register(fs)
	alertFlags(fs, &cfg)
	once := fs.Bool("once", false, "run one pass and exit: 0 when every message went out")
	at := fs.String("at", "", "with --once, run the pass as if it were `TIME` (RFC 3339, such as 2026-11-30T07:30:00+07:00)")
	dry := fs.Bool("dry-run", false, "print the messages instead of sending them, and record nothing")
	listen := fs.String("listen", "127.0.0.1:8081", "`ADDR` of /metrics and /healthz while running")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	when := time.Time{}
	if *at != "" {
		if !*once {
			return errors.New("--at needs --once: it runs one pass as if it were that time")
		}
		if when, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("--at %q: want a time in RFC 3339, with its offset, such as 2026-11-30T07:30:00+07:00", *at)
		}
	}
	log := newLogger(stderr)
	acfg, senders := alertSetup(cfg.Alerts, log)
	if len(senders) == 0 && !*dry {
		return errors.New("nothing to send to: give a Slack token (env MOTCUA_SLACK_TOKEN, --slack-token-file) or --webhook-url, or use --dry-run")
	}
	acfg.DryRun, acfg.Out = *dry, stdout
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.close()
	if _, err := st.ensureCatalog(ctx, "", log); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	fig := figures.New(st.wh, figures.Config{NoFold: true}, log, reg)
	if err := fig.Open(ctx); err != nil {
		return err
	}
	a := alerts.New(st.wh, fig, senders, acfg, reg)
	if *once {
		if when.IsZero() {
			when = time.Now()
		}
		res, err := a.Pass(ctx, when)
		fmt.Fprintf(stdout, "alert pass at %s: %d messages, naming %d approaching, %d overdue, %d again, %d escalated; %d updated, %d failed",
			when.In(motcua.Location).Format("15:04 02/01/2006"), res.Messages, res.Named[motcua.StageApproaching],
			res.Named[motcua.StageOverdue], res.Named[motcua.StageRepeat], res.Named[motcua.StageEscalated], res.Updated, res.Failed)
		if res.Deferred {
			fmt.Fprint(stdout, "; outside working time, so nothing new was sent")
		}
		if len(res.Unrouted) > 0 {
			fmt.Fprintf(stdout, "; units with nobody to tell: %v", res.Unrouted)
		}
		fmt.Fprintln(stdout)
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %q: %w", *listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	log.Info("alerts are running", "every", acfg.Every, "metrics", "http://"+ln.Addr().String()+"/metrics", "senders", len(senders))
	a.Start()
	<-ctx.Done()
	a.Stop()
	return nil
}
