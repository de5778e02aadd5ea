package reports_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/notify/slack"
	"github.com/motcua/motcua/reports"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// slackWithFiles is a slacktest server with the file upload endpoints.
type slackWithFiles struct {
	*slacktest.Server
	mu       sync.Mutex
	messages []string // channel: text
	files    []string // channel: name
	pending  map[string]string
}

func newSlackWithFiles(t *testing.T) *slackWithFiles {
	s := &slackWithFiles{pending: map[string]string{}}
	n := 0
	s.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			s.mu.Lock()
			defer s.mu.Unlock()
			n++
			s.messages = append(s.messages, r.Form.Get("channel")+": "+r.Form.Get("text"))
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "D-" + r.Form.Get("channel"), "ts": fmt.Sprintf("1.%d", n)})
		})
		c.Handle("/files.getUploadURLExternal", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			s.mu.Lock()
			defer s.mu.Unlock()
			n++
			id := fmt.Sprintf("F%d", n)
			s.pending[id] = r.Form.Get("filename")
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "upload_url": "http://" + s.ServerAddr + "/upload/" + id, "file_id": id})
		})
		c.Handle("/upload/", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Write([]byte("OK"))
		})
		c.Handle("/files.completeUploadExternal", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			var files []struct{ ID string }
			json.Unmarshal([]byte(r.Form.Get("files")), &files)
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, f := range files {
				s.files = append(s.files, r.Form.Get("channel_id")+": "+s.pending[f.ID])
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "files": []map[string]string{{"id": files[0].ID}}})
		})
	})
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

type figs struct {
	cat *motcua.Catalog
	cal *motcua.Calendar
}

func (f figs) Catalog() *motcua.Catalog   { return f.cat }
func (f figs) Calendar() *motcua.Calendar { return f.cal }

// TestDeliveries: each unit head with dossiers in the week gets one message
// and one XLSX on Monday after 07:30, once; a unit without dossiers gets
// nothing; a Monday missed is made up once; leadership gets form 06 of each
// ended reporting month once.
func TestDeliveries(t *testing.T) {
	wh := warehousetest.Open(t)
	ctx := t.Context()
	cat, _ := catalog.Load(catalog.DuyenHai())
	for i := range cat.Units {
		switch cat.Units[i].Code {
		case "P1", "LH", "TX.MC":
			cat.Units[i].HeadSlackID = "U-" + cat.Units[i].Code
		}
	}
	var evs []motcua.Event
	for i, e := range []struct{ unit, official, when string }{
		{"P1", "CB.P1.01", "2024-09-04 08:00"}, {"P1", "CB.P1.02", "2024-09-05 08:00"}, {"LH", "CB.LH.02", "2024-09-06 09:00"},
		{"P1", "CB.P1.01", "2024-09-10 08:00"}, // the week after: W37
	} {
		id := fmt.Sprintf("G%d", i)
		evs = append(evs, motcua.Event{EventID: id, DossierID: id, Type: motcua.Received, At: at(e.when), Unit: e.unit,
			Procedure: "XA.001", Official: e.official, Channel: motcua.Online, Source: "test"})
	}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefreshDossiers(ctx, []string{"G0", "G1", "G2", "G3"}, cat, cat.Calendar()); err != nil {
		t.Fatal(err)
	}
	ws := newSlackWithFiles(t)
	mk := func() *reports.Deliverer {
		s := slack.New(slack.Config{Token: "xoxb-test", APIURL: ws.GetAPIURL(), Tries: 2, Backoff: time.Millisecond})
		return reports.NewDeliverer(wh, wh, figs{cat, cat.Calendar()}, s, reports.DeliveryConfig{Form06To: "C-LANHDAO",
			PublicURL: "https://motcua.example", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}
	d := mk()
	pass := func(d *reports.Deliverer, when string) reports.Delivery {
		t.Helper()
		res, err := d.Pass(ctx, at(when))
		if err != nil {
			t.Fatalf("a pass at %s: %v", when, err)
		}
		return res
	}
	// Monday 07:00: form 06 of the month that ended on 14/8, not the weekly yet.
	if res := pass(d, "2024-09-09 07:00"); res.Weekly != 0 || res.Form06 != 1 || len(ws.files) != 1 || !strings.HasPrefix(ws.files[0], "D-C-LANHDAO: motcua-bieu06-20240715-20240814") {
		t.Fatalf("Monday 07:00: %+v, files %q", res, ws.files)
	}
	// 07:35: P1 and LH get the week's report; TX.MC had no dossiers.
	res := pass(d, "2024-09-09 07:35")
	if res.Weekly != 2 || res.Week != "2024-W36" || len(ws.messages) != 3 || len(ws.files) != 3 {
		t.Fatalf("Monday 07:35: %+v, messages %q, files %q", res, ws.messages, ws.files)
	}
	for _, want := range []string{"D-U-P1: motcua-tuan-2024-W36-p1.xlsx", "D-U-LH: motcua-tuan-2024-W36-lh.xlsx"} {
		if !strings.Contains(strings.Join(ws.files, "\n"), want) {
			t.Errorf("no file %q in %q", want, ws.files)
		}
	}
	if !strings.Contains(strings.Join(res.Skipped, ";"), "TX.MC: không có hồ sơ") {
		t.Errorf("skipped: %q", res.Skipped)
	}
	// Later passes, and one after a restart, send nothing again.
	pass(d, "2024-09-09 08:00")
	pass(mk(), "2024-09-10 10:00")
	if len(ws.messages) != 3 || len(ws.files) != 3 {
		t.Fatalf("passes after Monday's sent again: %q", ws.messages)
	}
	// Monday 16/9 missed (motcua down): the first pass after, on Wednesday, sends W37 to P1 once,
	// and form 06 of the month that ended on 14/9.
	d = mk()
	res = pass(d, "2024-09-18 10:00")
	if res.Weekly != 1 || res.Week != "2024-W37" || res.Form06 != 1 {
		t.Fatalf("Wednesday after a missed Monday: %+v", res)
	}
	pass(d, "2024-09-19 10:00")
	if len(ws.messages) != 5 || len(ws.files) != 5 {
		t.Fatalf("after the missed Monday: %d messages, %d files: %q", len(ws.messages), len(ws.files), ws.messages)
	}
}
