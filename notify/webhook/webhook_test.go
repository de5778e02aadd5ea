package webhook_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/notify"
	"github.com/motcua/motcua/notify/webhook"
)

func TestWebhookRetriesThenDeliversOnce(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	status := []int{503, 429, 200, 200, 400}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		code := status[0]
		status = status[1:]
		if code == 200 {
			var b map[string]any
			if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
				t.Error(err)
			}
			got = append(got, b)
		}
		w.WriteHeader(code)
	}))
	defer srv.Close()
	s := &webhook.Sender{URL: srv.URL, Backoff: time.Millisecond}
	m := notify.Message{Kind: "deadline", To: "#mot-cua", Title: "Hồ sơ quá hạn", Items: []notify.Item{{ID: "D1", Group: "Quá hạn", Text: "trễ 2 ngày"}}}
	ref, err := s.Send(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0]["id"] != ref.TS || got[0]["items"].([]any)[0].(map[string]any)["id"] != "D1" {
		t.Fatalf("delivered: %v", got)
	}
	if err := s.Update(t.Context(), ref, m); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1]["update_of"] != ref.TS {
		t.Fatalf("the update: %v", got)
	}
	// A 400 is not retried.
	if _, err := s.Send(t.Context(), m); err == nil || len(status) != 0 {
		t.Errorf("a 400: %v, %d answers left", err, len(status))
	}
}
