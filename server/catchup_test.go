package server_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// A process that stored events and died before folding them leaves them in
// events only. When newer dossiers were folded since (more than ten minutes
// later), the catch-up must still find the old ones: every stored event's
// dossier is in the figures soon after start.
func TestFiguresCatchUpWithEventsOfACrashedProcess(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	// Three dossiers stored two hours ago by a process that died at once:
	// in events (and event_keys), never folded.
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{warehousetest.Addr(t)},
		Auth: clickhouse.Auth{Database: wh.Database(), Username: "default", Password: warehousetest.Password(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO events (event_id, dossier_id, type, at, unit, procedure, channel, source, ingested_at, content_hash)")
	if err != nil {
		t.Fatal(err)
	}
	twoHoursAgo := time.Now().Add(-2 * time.Hour)
	for _, id := range []string{"OLD-1", "OLD-2", "OLD-3"} {
		at := time.Date(2022, 3, 1, 8, 0, 0, 0, motcua.Location)
		if err := b.Append("r-"+id, id, "received", at, "P1", "XA.001", "online", "one-stop", twoHoursAgo, uint64(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	// A newer dossier, stored and folded now.
	newer := motcua.Event{EventID: "r-NEW", DossierID: "NEW", Type: motcua.Received, At: time.Date(2022, 4, 1, 8, 0, 0, 0, motcua.Location),
		Unit: "P1", Procedure: "XA.001", Channel: motcua.Direct, Source: "one-stop"}
	if _, err := wh.InsertEvents(ctx, []motcua.Event{newer}); err != nil {
		t.Fatal(err)
	}
	cat, err := wh.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{"NEW"}, cat, motcua.NewCalendar(cat.Days)); err != nil {
		t.Fatal(err)
	}

	url := start(t, wh, server.Config{})
	deadline := time.Now().Add(60 * time.Second)
	for {
		var sum struct {
			Total struct{ New uint64 } `json:"total"`
		}
		getJSON(t, url+"/api/v1/summary?from=2022-01-01&to=2022-12-31", &sum)
		var ready struct {
			Figures figures.Status `json:"figures"`
		}
		getJSON(t, url+"/readyz", &ready)
		if sum.Total.New == 4 && ready.Figures.CaughtUp {
			if !ready.Figures.CompleteBefore.After(twoHoursAgo) {
				t.Errorf("readyz says the figures are complete before %v; want after the old events (%v)", ready.Figures.CompleteBefore, twoHoursAgo)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute the summary counts %d new dossiers (caught up: %v); want 4", sum.Total.New, ready.Figures.CaughtUp)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := accesstest.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: the answer is not JSON: %v", url, err)
	}
}
