package figures_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, motcua.Location)
	if err != nil {
		panic(err)
	}
	return t
}

// outcomes counts the resolved dossiers of March 2022 by outcome, from the
// stored figures.
func outcomes(t *testing.T, wh *warehouse.Warehouse) motcua.Counts {
	t.Helper()
	rows, err := wh.Summary(t.Context(), motcua.SummaryQuery{Windows: []motcua.Window{{From: at("2022-03-01 00:00"), To: at("2022-04-01 00:00")}}})
	if err != nil {
		t.Fatal(err)
	}
	var c motcua.Counts
	for _, r := range rows {
		c.Add(r)
	}
	return c
}

// The working hours are catalogue data: when a load changes them, every
// dossier is folded again, and its due date and outcome follow the new hours.
func TestChangedWorkingHoursRefold(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	// XA.078 takes half a working day. Received Monday 8:00, resolved
	// Tuesday 10:00: with 7:00-11:30 and 13:30-17:00 it was due Monday
	// 14:00, so late; with 7:00-8:00 only, it starts Tuesday 7:00 and is due
	// Tuesday 7:30, so on time.
	evs := []motcua.Event{
		{EventID: "r", DossierID: "H-1", Type: motcua.Received, At: at("2022-03-07 08:00"), Unit: "P1", Procedure: "XA.078", Channel: motcua.Direct, Source: "test"},
		{EventID: "s", DossierID: "H-1", Type: motcua.Resolved, At: at("2022-03-08 10:00"), Unit: "P1", Procedure: "XA.078", Source: "test"},
	}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	f := figures.New(wh, figures.Config{CatalogRefresh: 50 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err := f.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.FollowRules(ctx); err != nil {
		t.Fatal(err)
	}
	if c := outcomes(t, wh); c.Resolved != 1 || c.Late != 1 {
		t.Fatalf("with the shipped hours: %+v, want one late dossier", c)
	}
	f.Start()
	defer f.Stop()

	cat := f.Catalog()
	changed := *cat
	changed.Hours = []motcua.Session{{Start: 7 * time.Hour, End: 8 * time.Hour}}
	if err := wh.SaveCatalog(ctx, &changed, "test: shorter hours"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := outcomes(t, wh)
		if c.Resolved == 1 && c.OnTime == 1 && c.Late == 0 && f.Status().RulesCurrent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the new hours were loaded: %+v, want one dossier on time", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := f.Calendar().WorkingDayLength(); got != time.Hour {
		t.Errorf("the calendar in force has %v a day, want 1h", got)
	}
	// A process that starts later follows the same calendar without folding
	// everything again.
	reg := prometheus.NewRegistry()
	g := figures.New(wh, figures.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err := g.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.FollowRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "# HELP motcua_facts_refolds_total Times every dossier was folded again because the working hours, holidays or processing times changed.\n" +
		"# TYPE motcua_facts_refolds_total counter\nmotcua_facts_refolds_total 0\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "motcua_facts_refolds_total"); err != nil {
		t.Errorf("a process started under an unchanged calendar folded everything again: %v", err)
	}
	if fp, _ := wh.FactsCalendar(ctx); fp != changed.RulesFingerprint() {
		t.Errorf("the stored figures follow calendar %q, want %q", fp, changed.RulesFingerprint())
	}
}

// One process folds the figures of a database: a second set to fold
// refuses to start while the first says it is alive, unless the first ran
// on this host and is gone (a serve restarted after a crash); a process set
// not to fold hands what it stores to the folding one, which folds it.
func TestOneFolderPerDatabase(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	open := func(cfg figures.Config) (*figures.Figures, error) {
		f := figures.New(wh, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
		return f, f.Open(ctx)
	}
	folder, err := open(figures.Config{Process: "elsewhere:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := folder.CatchUp(ctx); err != nil { // says it is alive
		t.Fatal(err)
	}
	if _, err := open(figures.Config{}); !errors.Is(err, figures.ErrOtherFolder) || !strings.Contains(err.Error(), "elsewhere:1") {
		t.Errorf("a second folding process started: %v", err)
	}
	// On another database, a folding process of this host that has exited
	// (crashed): a new one starts at once.
	wh2 := warehousetest.Open(t)
	open2 := func(cfg figures.Config) (*figures.Figures, error) {
		f := figures.New(wh2, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
		return f, f.Open(ctx)
	}
	host, _ := os.Hostname()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if crashed, err := open2(figures.Config{Process: fmt.Sprintf("%s:%d", host, cmd.Process.Pid)}); err != nil {
		t.Fatal(err)
	} else if _, err := crashed.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := open2(figures.Config{}); err != nil {
		t.Errorf("a folding process refused to start after the crash of the one before on this host: %v", err)
	}

	// A process that does not fold hands its dossier to the folding one.
	other, err := open(figures.Config{NoFold: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := []motcua.Event{{EventID: "r", DossierID: "F-1", Type: motcua.Received, At: at("2022-03-07 08:00"), Unit: "P1",
		Procedure: "XA.001", Channel: motcua.Direct, Source: "test"}}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	other.Mark(evs)
	if err := other.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := outcomes(t, wh).New; n != 0 {
		t.Fatalf("the process that does not fold folded: %d new", n)
	}
	if err := folder.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := outcomes(t, wh).New; n != 1 {
		t.Errorf("the folding process counts %d new dossiers after the other handed it one, want 1", n)
	}
}
