package alerts_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/alerts"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/demo"
	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/notify/slack"
	"github.com/motcua/motcua/warehouse"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, motcua.Location)
	if err != nil {
		panic(err)
	}
	return t
}

// now is the demo's today: a Friday.
var now = local("2026-11-27 10:00")

type figures struct {
	cat *motcua.Catalog
	cal *motcua.Calendar
}

func (f figures) Catalog() *motcua.Catalog   { return f.cat }
func (f figures) Calendar() *motcua.Calendar { return f.cal }

// workspace is a slacktest server that keeps each message under a ts of its
// own, applies chat.update, and is down while down is set.
type workspace struct {
	*slacktest.Server
	mu       sync.Mutex
	down     bool
	posts    []url.Values
	updates  []url.Values
	messages map[string]url.Values
}

func newWorkspace(t *testing.T) *workspace {
	w := &workspace{messages: map[string]url.Values{}}
	handle := func(update bool) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.down {
				rw.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			ts := r.Form.Get("ts")
			if update {
				w.updates = append(w.updates, r.Form)
			} else {
				ts = fmt.Sprintf("1764200000.%06d", len(w.posts)+1)
				w.posts = append(w.posts, r.Form)
			}
			w.messages[ts] = r.Form
			json.NewEncoder(rw).Encode(map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": ts})
		}
	}
	w.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", handle(false))
		c.Handle("/chat.update", handle(true))
	})
	w.Start()
	t.Cleanup(w.Stop)
	return w
}

func (w *workspace) sent() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.posts)
}

// setup loads the demo data, gives every unit a head on Slack, and returns
// an alerter factory over it.
func setup(t *testing.T) (*warehouse.Warehouse, figures, *workspace, func(cfg alerts.Config) *alerts.Alerter) {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	for i := range cat.Units {
		cat.Units[i].HeadSlackID = "U-" + cat.Units[i].Code
	}
	fig := figures{cat, cat.Calendar()}
	wh := warehousetest.Open(t)
	ctx := t.Context()
	evs, err := demo.Generate(cat, fig.cal, demo.Config{Seed: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(evs); i += 50_000 {
		if _, err := wh.InsertEvents(ctx, evs[i:min(i+50_000, len(evs))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wh.RefoldAll(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	ws := newWorkspace(t)
	mk := func(cfg alerts.Config) *alerts.Alerter {
		cfg.PublicURL = "http://motcua.example"
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
		s := slack.New(slack.Config{Token: "xoxb-test", APIURL: ws.GetAPIURL(), Tries: 2, Backoff: time.Millisecond})
		return alerts.New(wh, fig, []notify.Sender{s}, cfg, nil)
	}
	return wh, fig, ws, mk
}

// figureIDs lists the dossiers of a figure at an instant, as the
// dashboards do.
func figureIDs(t *testing.T, wh *warehouse.Warehouse, fig figures, f motcua.Figure, at time.Time) []string {
	inst := fig.cat.InstantAt(at, fig.cal)
	rows, _, err := wh.Dossiers(t.Context(), motcua.DossierQuery{Now: &inst, Figure: f, Limit: warehouse.MaxDossierPage})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

// named returns the dossiers that the digests to units posted since from
// name, read from what Slack received.
func (w *workspace) named(from int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for _, p := range w.posts[from:] {
		if p.Get("channel") == "C-LANHDAO" {
			continue
		}
		for _, l := range strings.Split(p.Get("text"), "\n") {
			if id, _, ok := strings.Cut(l, " "); ok && strings.HasPrefix(id, "DH-LIVE-") {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

func TestDeadlineAlerts(t *testing.T) {
	wh, fig, ws, mk := setup(t)
	ctx := t.Context()

	// Friday 20:00, Saturday, New Year's Day (a Friday), Monday 06:59: outside
	// working time, nothing goes.
	a := mk(alerts.Config{EscalateTo: "C-LANHDAO"})
	for _, at := range []string{"2026-11-27 20:00", "2026-11-28 10:00", "2027-01-01 10:00", "2026-11-30 06:59"} {
		res, err := a.Pass(ctx, local(at))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Deferred || ws.sent() != 0 {
			t.Fatalf("a pass at %s: %+v, %d messages", at, res, ws.sent())
		}
	}
	// Monday 07:00: everything overdue or approaching goes, once per unit.
	monday := local("2026-11-30 07:00")
	res, err := a.Pass(ctx, monday)
	if err != nil {
		t.Fatal(err)
	}
	want := append(figureIDs(t, wh, fig, motcua.FigOverdueNow, monday), figureIDs(t, wh, fig, motcua.FigApproachingNow, monday)...)
	slices.Sort(want)
	if len(want) < 50 {
		t.Fatalf("the demo's live slice has %d dossiers overdue or approaching", len(want))
	}
	if got := ws.named(0); !slices.Equal(got, want) {
		t.Fatalf("Monday 07:00: the digests name %d dossiers, the dashboards count %d overdue or approaching", len(got), len(want))
	}
	units := map[string]int{}
	for _, p := range ws.posts {
		units[p.Get("channel")]++
	}
	escalated := 0
	for ch, n := range units {
		if ch == "C-LANHDAO" {
			escalated = n
			continue
		}
		if n != 1 {
			t.Errorf("%s got %d digests in one pass", ch, n)
		}
	}
	if escalated != 1 || res.Named[motcua.StageEscalated] == 0 {
		t.Errorf("escalation: %d messages, %d dossiers", escalated, res.Named[motcua.StageEscalated])
	}
	for _, p := range ws.posts {
		if !strings.Contains(p.Get("blocks"), "http://motcua.example/") {
			t.Errorf("a digest to %s has no link to the pages", p.Get("channel"))
			break
		}
	}

	// A second pass, and one by a restarted alerter: nothing new.
	sent := ws.sent()
	for _, al := range []*alerts.Alerter{a, mk(alerts.Config{EscalateTo: "C-LANHDAO"})} {
		if _, err := al.Pass(ctx, monday.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if ws.sent() != sent {
		t.Fatalf("passes after the first sent %d more messages", ws.sent()-sent)
	}

	// 07:35, after the repeat time: the overdue come again, once; no escalation again.
	res, err = a.Pass(ctx, local("2026-11-30 07:35"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Named[motcua.StageRepeat] != 0 {
		t.Errorf("a repeat on the day they were first told: %+v", res.Named)
	}
	tuesday := local("2026-12-01 07:31")
	res, err = a.Pass(ctx, tuesday)
	if err != nil {
		t.Fatal(err)
	}
	over := figureIDs(t, wh, fig, motcua.FigOverdueNow, tuesday)
	// Escalated on Monday were those three working days late then; none
	// reaches three on Tuesday (the next are due on 26/11: Friday, Monday and
	// Tuesday make three on Wednesday).
	if res.Named[motcua.StageRepeat] == 0 || res.Named[motcua.StageRepeat] > len(over) || res.Named[motcua.StageEscalated] != 0 {
		t.Errorf("Tuesday 07:31: %+v, %d overdue", res.Named, len(over))
	}
	for _, al := range []*alerts.Alerter{a, mk(alerts.Config{EscalateTo: "C-LANHDAO"})} {
		res, err = al.Pass(ctx, tuesday.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.Named[motcua.StageRepeat] != 0 {
			t.Errorf("a second repeat on Tuesday: %+v", res.Named)
		}
	}

	res, err = a.Pass(ctx, local("2026-12-02 07:31"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Named[motcua.StageEscalated] == 0 {
		t.Errorf("Wednesday 07:31: no escalation of the dossiers due on 26/11: %+v", res.Named)
	}

	// A dossier resolved: its message is updated to show it done.
	var target string
	for _, p := range ws.posts {
		if p.Get("channel") == "U-PDH.TT" {
			for _, l := range strings.Split(p.Get("text"), "\n") {
				if id, _, ok := strings.Cut(l, " "); ok && strings.HasPrefix(id, "DH-LIVE-") {
					target = id
					break
				}
			}
		}
	}
	if target == "" {
		t.Fatal("no digest to PDH.TT named a dossier")
	}
	evs, err := wh.Events(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	resolved := motcua.Event{EventID: target + "/done", DossierID: target, Type: motcua.Resolved, At: local("2026-12-02 09:00"),
		Unit: evs[0].Unit, Procedure: evs[0].Procedure, Source: "demo"}
	if _, err := wh.InsertEvents(ctx, []motcua.Event{resolved}); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{target}, fig.cat, fig.cal); err != nil {
		t.Fatal(err)
	}
	res, err = a.Pass(ctx, local("2026-12-02 09:05"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated == 0 || len(ws.updates) == 0 || !strings.Contains(ws.updates[len(ws.updates)-1].Get("blocks"), "~"+target+"~") {
		t.Fatalf("the message naming %s was not updated: %+v, %d updates", target, res, len(ws.updates))
	}
	updates := len(ws.updates)
	if _, err := a.Pass(ctx, local("2026-12-02 09:10")); err != nil || len(ws.updates) != updates {
		t.Errorf("the update was made again: %v, %d updates", err, len(ws.updates)-updates)
	}
}

// TestSlackDownThenUp: while Slack is down a pass fails and records
// nothing; once it is up, every digest arrives once.
func TestSlackDownThenUp(t *testing.T) {
	wh, fig, ws, mk := setup(t)
	ctx := t.Context()
	a := mk(alerts.Config{})
	ws.down = true
	at := local("2026-11-30 09:00")
	if _, err := a.Pass(ctx, at); err == nil {
		t.Fatal("a pass with Slack down succeeded")
	}
	ws.down = false
	for i := range 3 {
		if _, err := a.Pass(ctx, at.Add(time.Duration(i+1)*5*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got := ws.named(0)
	want := append(figureIDs(t, wh, fig, motcua.FigOverdueNow, at), figureIDs(t, wh, fig, motcua.FigApproachingNow, at)...)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after Slack came back: %d dossiers named, %d overdue or approaching (each once)", len(got), len(want))
	}
}

// TestMergedUnitsDossiersGoToTheSuccessor: a dossier received by Phường 1
// before the 2025 reform, still open and overdue after it, is in the
// digest of the head of phường Duyên Hải, its successor.
func TestMergedUnitsDossiersGoToTheSuccessor(t *testing.T) {
	cat, _ := catalog.Load(catalog.DuyenHai())
	for i := range cat.Units {
		cat.Units[i].HeadSlackID = "U-" + cat.Units[i].Code
	}
	wh := warehousetest.Open(t)
	ctx := t.Context()
	ev := motcua.Event{EventID: "m1", DossierID: "P1-XUYEN-KY", Type: motcua.Received, At: local("2025-06-25 08:00"), Unit: "P1",
		Procedure: "XA.001", Channel: motcua.Direct, DueAt: local("2025-07-03 17:00"), Source: "test"}
	if _, err := wh.InsertEvents(ctx, []motcua.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{ev.DossierID}, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	ws := newWorkspace(t)
	s := slack.New(slack.Config{Token: "xoxb-test", APIURL: ws.GetAPIURL(), Tries: 2, Backoff: time.Millisecond})
	a := alerts.New(wh, figures{cat, cat.Calendar()}, []notify.Sender{s}, alerts.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if _, err := a.Pass(ctx, local("2025-07-07 09:00")); err != nil {
		t.Fatal(err)
	}
	if len(ws.posts) != 1 || ws.posts[0].Get("channel") != "U-PDH" || !strings.Contains(ws.posts[0].Get("text"), "P1-XUYEN-KY") {
		t.Fatalf("the digests: %v", ws.posts)
	}
}
