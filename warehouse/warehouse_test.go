package warehouse_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	w := warehousetest.OpenEmpty(t)
	ctx := t.Context()
	again, err := w.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", again)
	}
	pending, err := w.Pending(ctx)
	if err != nil || len(pending) != 0 {
		t.Errorf("pending after Migrate: %v, %v", pending, err)
	}
}

func TestCatalogRoundTrip(t *testing.T) {
	w := warehousetest.OpenEmpty(t)
	ctx := t.Context()
	if c, err := w.Catalog(ctx); c != nil || err != nil {
		t.Fatalf("empty database: got catalogue %v, error %v", c != nil, err)
	}
	want, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	want.Units[1].AlertChannel, want.Units[1].AlertWindowHours = "#mot-cua", 4.5 // columns the shipped file leaves empty
	for i := 0; i < 2; i++ {                                                     // a second load replaces the first
		if err := w.SaveCatalog(ctx, want, "test"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Every table and every column comes back as it went in.
	for name, pair := range map[string][2]any{
		"units": {got.Units, want.Units}, "procedures": {got.Procedures, want.Procedures}, "officials": {got.Officials, want.Officials},
		"targets": {got.Targets, want.Targets}, "calendar days": {got.Days, want.Days}, "working hours": {got.Hours, want.Hours},
	} {
		if !reflect.DeepEqual(byKey(pair[0]), byKey(pair[1])) {
			t.Errorf("%s read back differ from those saved:\ngot  %+v\nwant %+v", name, pair[0], pair[1])
		}
	}
	if len(got.Hours) != 2 || got.RulesFingerprint() != want.RulesFingerprint() {
		t.Errorf("working hours read back as %+v", got.Hours)
	}
}

// byKey returns a copy of a slice of catalogue rows sorted by their first
// two fields, the order the warehouse reads them in.
func byKey(rows any) any {
	v := reflect.ValueOf(rows)
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	reflect.Copy(out, v)
	key := func(i int) string {
		e := out.Index(i)
		return fmt.Sprint(e.Field(0).Interface(), "\x00", e.Field(1).Interface())
	}
	keys := make([]string, out.Len())
	for i := range keys {
		keys[i] = key(i)
	}
	idx := make([]int, out.Len())
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sorted := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for i, j := range idx {
		sorted.Index(i).Set(out.Index(j))
	}
	return sorted.Interface()
}

func event(id, dossier string, typ motcua.EventType, at string) motcua.Event {
	t, _ := time.Parse(time.RFC3339, at)
	e := motcua.Event{EventID: id, DossierID: dossier, Type: typ, At: t, Unit: "P1", Procedure: "XA.001", Source: "test"}
	if typ == motcua.Received {
		e.Channel = motcua.Online
		e.DueAt = t.Add(72 * time.Hour)
	}
	return e
}

func TestInsertEventsDeduplicates(t *testing.T) {
	w := warehousetest.Open(t)
	ctx := t.Context()
	fee := int64(50000)
	paid := true
	a := event("e1", "d1", motcua.Received, "2022-03-01T08:00:00+07:00")
	a.FeeVND, a.PaidOnline = &fee, &paid
	b := event("e2", "d1", motcua.Resolved, "2022-03-02T09:30:00+07:00")
	got, err := w.InsertEvents(ctx, []motcua.Event{a, b, a})
	if err != nil {
		t.Fatal(err)
	}
	if want := []motcua.Stored{motcua.StoredNew, motcua.StoredNew, motcua.StoredDuplicate}; !slices.Equal(got, want) {
		t.Errorf("first batch: got %v, want %v", got, want)
	}
	c := event("e3", "d2", motcua.Received, "2023-01-05T16:59:59+07:00")
	got, err = w.InsertEvents(ctx, []motcua.Event{b, c})
	if err != nil {
		t.Fatal(err)
	}
	if want := []motcua.Stored{motcua.StoredDuplicate, motcua.StoredNew}; !slices.Equal(got, want) {
		t.Errorf("second batch: got %v, want %v", got, want)
	}
	n, err := w.CountEvents(ctx)
	if err != nil || n != 3 {
		t.Fatalf("stored events: got %d (%v), want 3", n, err)
	}
	evs, err := w.Events(ctx, "d1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || !evs[0].At.Equal(a.At) || !evs[0].DueAt.Equal(a.DueAt) || evs[0].Channel != motcua.Online ||
		evs[0].FeeVND == nil || *evs[0].FeeVND != fee || evs[0].PaidOnline == nil || !*evs[0].PaidOnline ||
		evs[1].Type != motcua.Resolved || !evs[1].DueAt.IsZero() || evs[1].FeeVND != nil || evs[0].Source != "test" {
		t.Errorf("events of d1 read back as %+v", evs)
	}
}

// Ids are unique at their source: the same id from two sources is two
// events, and the same id from one source with other content is a conflict,
// reported and not stored, within a batch and across batches.
func TestInsertEventsKeysOnSourceAndReportsConflicts(t *testing.T) {
	w := warehousetest.Open(t)
	ctx := t.Context()
	one := event("1001", "d1", motcua.Received, "2022-03-01T08:00:00+07:00")
	other := one
	other.Source, other.DossierID = "portal", "d9"
	changed := one
	changed.Unit = "P2"
	got, err := w.InsertEvents(ctx, []motcua.Event{one, other, changed})
	if err != nil {
		t.Fatal(err)
	}
	if want := []motcua.Stored{motcua.StoredNew, motcua.StoredNew, motcua.StoredConflict}; !slices.Equal(got, want) {
		t.Errorf("first batch: got %v, want %v", got, want)
	}
	later := one
	later.At = later.At.Add(time.Hour)
	got, err = w.InsertEvents(ctx, []motcua.Event{other, later, one})
	if err != nil {
		t.Fatal(err)
	}
	if want := []motcua.Stored{motcua.StoredDuplicate, motcua.StoredConflict, motcua.StoredDuplicate}; !slices.Equal(got, want) {
		t.Errorf("second batch: got %v, want %v", got, want)
	}
	if n, err := w.CountEvents(ctx); err != nil || n != 2 {
		t.Fatalf("stored events: got %d (%v), want 2", n, err)
	}
	if evs, err := w.Events(ctx, "d1"); err != nil || len(evs) != 1 || evs[0].Unit != "P1" {
		t.Errorf("dossier d1: got %+v (%v), want the first version only", evs, err)
	}
}

// A database name goes into SQL as an identifier: anything but letters,
// digits and _ is refused before it reaches ClickHouse (which would run
// `CREATE DATABASE IF NOT EXISTS x; DROP ...` as far as its parser goes).
func TestOpenRejectsBadDatabaseName(t *testing.T) {
	addr := warehousetest.Addr(t)
	for _, name := range []string{"x; DROP", "a-b", "1abc", "tên"} {
		w, err := warehouse.Open(context.Background(), warehouse.Config{Addr: addr, Database: name})
		if err == nil {
			w.Close()
			t.Errorf("database %q: opened, want a refusal", name)
			continue
		}
		if want := fmt.Sprintf("cannot use database name %q", name); !strings.Contains(err.Error(), want) {
			t.Errorf("database %q: got %v, want %q", name, err, want)
		}
	}
}
