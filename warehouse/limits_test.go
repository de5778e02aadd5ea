package warehouse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// TestSummaryMemoryLimit: a summary over its memory limit fails with
// ErrQueryMemory and a message that names the limit; the same summary under
// the default limits answers.
func TestSummaryMemoryLimit(t *testing.T) {
	ctx := t.Context()
	wh := warehousetest.Open(t)
	q := motcua.SummaryQuery{Windows: []motcua.Window{{From: local("2022-01-01 00:00"), To: local("2023-01-01 00:00")}}, By: "unit"}
	if _, err := wh.Summary(ctx, q); err != nil {
		t.Fatalf("under the default limits: %v", err)
	}
	tiny, err := warehouse.Open(ctx, warehouse.Config{Addr: warehousetest.Addr(t), Password: warehousetest.Password(t), Database: wh.Database(), SummaryMaxMemory: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close()
	_, err = tiny.Summary(ctx, q)
	if !errors.Is(err, motcua.ErrQueryMemory) || !strings.Contains(err.Error(), "within 1 bytes of memory, the limit of a summary or list (max_memory_usage)") {
		t.Errorf("with a memory limit of one byte: %v, want ErrQueryMemory naming the limit", err)
	}
}

// TestSummaryFromTheFirstDay: a window that starts on 1970-01-01 in
// Asia/Ho_Chi_Minh, before the Unix epoch, counts from the epoch.
func TestSummaryFromTheFirstDay(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	evs := []motcua.Event{mk("f1", "F1", motcua.Received, "2022-03-01 08:00", "P1", "XA.001").ch(motcua.Direct).Event}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load(catalog.DuyenHai())
	if _, err := wh.RefreshDossiers(ctx, []string{"F1"}, cat, motcua.NewCalendar(cat.Days)); err != nil {
		t.Fatal(err)
	}
	q := motcua.SummaryQuery{Windows: []motcua.Window{{From: motcua.FirstSummaryDay, To: local("2022-12-31 00:00")}}}
	got, err := wh.Summary(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].New != 1 || got[0].CarriedOver != 0 {
		t.Errorf("from 1970-01-01: %+v, want one new dossier and none carried over", got)
	}
}

// TestDossierListsHaveTheSummaryLimits: a list stopped by the memory limit
// says so, as a summary does.
func TestDossierListsHaveTheSummaryLimits(t *testing.T) {
	ctx := t.Context()
	wh := warehousetest.Open(t)
	year := motcua.Window{From: local("2022-01-01 00:00"), To: local("2023-01-01 00:00")}
	if _, _, err := wh.Dossiers(ctx, motcua.DossierQuery{Window: year, Figure: motcua.FigNew, Limit: 10}); err != nil {
		t.Fatalf("under the default limits: %v", err)
	}
	tiny, err := warehouse.Open(ctx, warehouse.Config{Addr: warehousetest.Addr(t), Password: warehousetest.Password(t), Database: wh.Database(), SummaryMaxMemory: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close()
	_, _, err = tiny.Dossiers(ctx, motcua.DossierQuery{Window: year, Figure: motcua.FigNew, Limit: 10})
	if !errors.Is(err, motcua.ErrQueryMemory) {
		t.Fatalf("a list over the memory limit: %v", err)
	}
}
