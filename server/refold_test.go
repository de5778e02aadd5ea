package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access/accesstest"
	"github.com/motcua/motcua/figures"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// A catalogue load that changes the working hours refolds every dossier:
// its due date and outcome follow the new hours on the API (the dossier, the
// summary from the stored figures, the calendar).
func TestChangedWorkingHoursOnTheAPI(t *testing.T) {
	wh := warehousetest.Open(t)
	url := start(t, wh, server.Config{Figures: figures.Config{CatalogRefresh: 50 * time.Millisecond}})
	// XA.078 takes half a working day: received Monday 8:00, resolved
	// Tuesday 10:00. With 7:00-11:30 and 13:30-17:00: due Monday 14:00,
	// late. With 7:00-8:00 only: due Tuesday 7:30, on time.
	body := `{"event_id":"h1","dossier_id":"H-1","type":"received","at":"2022-03-07T08:00:00+07:00","unit":"P1","procedure":"XA.078","channel":"direct"}` + "\n" +
		`{"event_id":"h2","dossier_id":"H-1","type":"resolved","at":"2022-03-08T10:00:00+07:00","unit":"P1","procedure":"XA.078"}` + "\n"
	if a := post(t, url, "", []byte(body)); a.status != http.StatusOK || a.Accepted != 2 {
		t.Fatalf("post: %d %+v", a.status, a.Answer)
	}
	type summary struct {
		Total struct {
			Resolved uint64 `json:"resolved"`
			OnTime   uint64 `json:"on_time"`
			Late     uint64 `json:"late"`
		} `json:"total"`
	}
	type dossier struct {
		DueAt   time.Time `json:"due_at"`
		Outcome string    `json:"outcome"`
	}
	waitFor := func(what string, done func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !done() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var sum summary
	var d dossier
	waitFor("the dossier to be late with the shipped hours", func() bool {
		getJSON(t, url+"/api/v1/summary?from=2022-03-01&to=2022-03-31", &sum)
		getJSON(t, url+"/api/v1/dossiers/H-1", &d)
		return sum.Total.Late == 1 && d.Outcome == "late"
	})
	if want := time.Date(2022, 3, 7, 14, 0, 0, 0, motcua.Location); !d.DueAt.Equal(want) {
		t.Errorf("due with the shipped hours: %v, want %v", d.DueAt, want)
	}

	cat, err := wh.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cat.Hours = []motcua.Session{{Start: 7 * time.Hour, End: 8 * time.Hour}}
	if err := wh.SaveCatalog(t.Context(), cat, "test: one hour a day"); err != nil {
		t.Fatal(err)
	}
	waitFor("the dossier to be on time with the new hours", func() bool {
		getJSON(t, url+"/api/v1/summary?from=2022-03-01&to=2022-03-31", &sum)
		getJSON(t, url+"/api/v1/dossiers/H-1", &d)
		return sum.Total.OnTime == 1 && sum.Total.Late == 0 && d.Outcome == "on_time"
	})
	if want := time.Date(2022, 3, 8, 7, 30, 0, 0, motcua.Location); !d.DueAt.Equal(want) {
		t.Errorf("due with the new hours: %v, want %v", d.DueAt, want)
	}
	var cal struct {
		WorkingHours []struct{ Start, End string } `json:"working_hours"`
	}
	getJSON(t, url+"/api/v1/calendar", &cal)
	if len(cal.WorkingHours) != 1 || cal.WorkingHours[0].Start != "07:00" || cal.WorkingHours[0].End != "08:00" {
		t.Errorf("GET /api/v1/calendar: working hours %+v, want 07:00-08:00", cal.WorkingHours)
	}
}

// Found by a hostile probe: a dossier id past the contract's length is a
// client's mistake (400), not an outage; the bearer scheme is
// case-insensitive; HEAD /healthz answers.
func TestProbeFindings(t *testing.T) {
	url := start(t, warehousetest.Open(t), server.Config{})
	resp, err := accesstest.Get(url + "/api/v1/dossiers/" + strings.Repeat("A", 100_000))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a 100,000-character dossier id: %s, want 400", resp.Status)
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/events", strings.NewReader(line("b1", "B-1", "received", "2022-03-01T08:00:00+07:00", "P1", `,"channel":"online"`)))
	req.Header.Set("Authorization", "bearer "+token)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a lowercase bearer scheme: %s, want 200", resp.Status)
	}
	if resp, err = http.Head(url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD /healthz: %v %v", resp, err)
	}
}
