package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/ndjson"
)

// Load posts the events to a motcua server's POST /api/v1/events, the path
// real sources take, in batches; progress, when set, is told how many events
// are in.
func Load(ctx context.Context, baseURL, token string, evs []motcua.Event, progress func(done, total int)) error {
	const batch = 5000
	client := &http.Client{}
	for i := 0; i < len(evs); i += batch {
		var body []byte
		for j := i; j < min(i+batch, len(evs)); j++ {
			body = ndjson.Append(body, &evs[j])
		}
		req, err := http.NewRequestWithContext(ctx, "POST", baseURL+"/api/v1/events", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("cannot post demo events: %w", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var ans struct {
				Error  string              `json:"error"`
				Errors []motcua.FieldError `json:"errors"`
			}
			json.Unmarshal(b, &ans)
			if len(ans.Errors) > 0 {
				return fmt.Errorf("cannot load demo events: %s (first: %v)", ans.Error, ans.Errors[0])
			}
			return fmt.Errorf("cannot load demo events: %s: %s", resp.Status, ans.Error)
		}
		if progress != nil {
			progress(min(i+batch, len(evs)), len(evs))
		}
	}
	return nil
}
