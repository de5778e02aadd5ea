package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/notify/slack"
)

// workspace is a slacktest server whose chat.postMessage gives each message
// a ts of its own, whose chat.update replaces it, and which answers 429 to
// the first refuse calls.
type workspace struct {
	*slacktest.Server
	mu       sync.Mutex
	refuse   int
	calls    int
	messages map[string]url.Values // ts → the last form posted for it
}

func newWorkspace(t *testing.T, refuse int) *workspace {
	w := &workspace{refuse: refuse, messages: map[string]url.Values{}}
	post := func(update bool) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			w.mu.Lock()
			defer w.mu.Unlock()
			w.calls++
			if w.refuse > 0 {
				w.refuse--
				rw.Header().Set("Retry-After", "1")
				rw.WriteHeader(http.StatusTooManyRequests)
				return
			}
			ts := r.Form.Get("ts")
			if !update {
				ts = fmt.Sprintf("%d.%06d", time.Now().Unix(), len(w.messages)+1)
			} else if _, ok := w.messages[ts]; !ok {
				json.NewEncoder(rw).Encode(map[string]any{"ok": false, "error": "message_not_found"})
				return
			}
			w.messages[ts] = r.Form
			json.NewEncoder(rw).Encode(map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": ts})
		}
	}
	w.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", post(false))
		c.Handle("/chat.update", post(true))
	})
	w.Start()
	t.Cleanup(w.Stop)
	return w
}

func digest(n int) notify.Message {
	m := notify.Message{Kind: "deadline", To: "U123", Title: "Hồ sơ quá hạn và sắp đến hạn: UBND xã Long Hữu",
		Summary: fmt.Sprintf("%d hồ sơ quá hạn", n), Links: []notify.Link{{Text: "Xem trang đơn vị", URL: "http://motcua.example/units/LH"}}}
	for i := range n {
		m.Items = append(m.Items, notify.Item{ID: fmt.Sprintf("LH-2026-%06d", i), Group: "Quá hạn",
			Text: "Đăng ký khai sinh · Nguyễn Văn A · hạn 20/11/2026 · trễ 3,5 ngày làm việc <b>&</b>"})
	}
	return m
}

func TestSendCutsToSlacksLimitsAndKeepsIDsSearchable(t *testing.T) {
	w := newWorkspace(t, 0)
	s := slack.New(slack.Config{Token: "xoxb-test", APIURL: w.GetAPIURL()})
	ref, err := s.Send(t.Context(), digest(500))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Shown == 0 || ref.Shown >= 500 {
		t.Fatalf("shown %d of 500", ref.Shown)
	}
	form := w.messages[ref.TS]
	text := form.Get("text")
	var blocks goslack.Blocks
	if err := json.Unmarshal([]byte(form.Get("blocks")), &blocks); err != nil {
		t.Fatal(err)
	}
	if n := len(blocks.BlockSet); n > 50 {
		t.Errorf("%d blocks: Slack takes 50", n)
	}
	for _, b := range blocks.BlockSet {
		if sec, ok := b.(*goslack.SectionBlock); ok && len(sec.Text.Text) > 3000 {
			t.Errorf("a section of %d characters: Slack takes 3000", len(sec.Text.Text))
		}
	}
	for i := range ref.Shown {
		if id := fmt.Sprintf("LH-2026-%06d", i); !strings.Contains(text, id) || !strings.Contains(form.Get("blocks"), id) {
			t.Fatalf("%s is shown but not in the text and blocks", id)
		}
	}
	if want := fmt.Sprintf("và %d hồ sơ khác", 500-ref.Shown); !strings.Contains(text, want) || !strings.Contains(form.Get("blocks"), want) {
		t.Errorf("the cut is not said: want %q", want)
	}
	if strings.Contains(form.Get("blocks"), "<b>") {
		t.Error("markup in a name reached Slack unescaped")
	}
	// A small digest is whole.
	ref, err = s.Send(t.Context(), digest(3))
	if err != nil || ref.Shown != 3 || strings.Contains(w.messages[ref.TS].Get("text"), "hồ sơ khác") {
		t.Errorf("a digest of 3: %+v %v", ref, err)
	}
}

func TestSendWaitsOutA429AndUpdates(t *testing.T) {
	w := newWorkspace(t, 2)
	s := slack.New(slack.Config{Token: "xoxb-test", APIURL: w.GetAPIURL(), Backoff: 10 * time.Millisecond})
	start := time.Now()
	ref, err := s.Send(t.Context(), digest(2))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*time.Second || w.calls != 3 {
		t.Errorf("two 429s with Retry-After: 1 took %v and %d calls", took, w.calls)
	}
	m := digest(2)
	m.Items[0].Done = true
	if err := s.Update(t.Context(), ref, m); err != nil {
		t.Fatal(err)
	}
	if b := w.messages[ref.TS].Get("blocks"); !strings.Contains(b, "~LH-2026-000000~") || !strings.Contains(b, "đã xong") {
		t.Errorf("the update does not show the dossier done: %s", b)
	}
	// An unknown message is a permanent failure: no retries.
	before := w.calls
	if err := s.Update(t.Context(), notify.Ref{Channel: "U123", TS: "1.1"}, m); err == nil || w.calls != before+1 {
		t.Errorf("an update of an unknown message: %v after %d calls", err, w.calls-before)
	}
}
