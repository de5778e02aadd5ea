package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/reports"
)

// reportCmd runs `motcua report KIND`.
func reportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "weekly" {
		fmt.Fprintln(stderr, "usage: motcua report weekly [--week 2024-W10] [--unit CODE] [--format xlsx|csv|json|html] [--out FILE|-]")
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
	weekFlag := fs.String("week", "", "ISO `WEEK` such as 2024-W10 (default: the last complete week)")
	unit := fs.String("unit", "", "the unit `CODE` and its subtree (default: every unit)")
	format := fs.String("format", "xlsx", "xlsx, csv, json or html")
	table := fs.String("table", "", "with --format csv, the `NAME` of the table (default the first: units)")
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
	log := newLogger(stderr)
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.close()
	if _, err := st.ensureCatalog(ctx, "", log); err != nil {
		return err
	}
	fig := figures.New(st.wh, figures.Config{}, log, prometheus.NewRegistry())
	if err := fig.Open(ctx); err != nil {
		return err
	}
	w, err := reports.BuildWeekly(ctx, st.wh, fig.Catalog(), fig.Calendar(), week, *unit)
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = fmt.Sprintf("motcua-weekly-%s.%s", week, *format)
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
	if err := reports.Write(dst, *format, w.Doc("Báo cáo tiếp nhận hồ sơ trực tuyến theo tuần"), *table, w); err != nil {
		return err
	}
	if path != "-" {
		fmt.Fprintf(stdout, "wrote %s: %s, %d units\n", path, week.Label(), len(w.Units))
	}
	return nil
}
