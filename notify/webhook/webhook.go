// Package webhook sends motcua's messages as JSON to a URL, for chat tools
// other than Slack: the message as notify.Message has it, with "update_of"
// naming the message an update replaces.
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/motcua/motcua/notify"
)

// Sender posts to one URL.
type Sender struct {
	URL     string
	Client  *http.Client
	Tries   int           // default 4
	Backoff time.Duration // default 2 s
}

// body is what the webhook receives.
type body struct {
	notify.Message
	ID       string `json:"id"`
	UpdateOf string `json:"update_of,omitempty"`
}

// Name is "webhook".
func (s *Sender) Name() string { return "webhook" }

// Send posts m with a new id, which the Ref carries.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Ref, error) {
	id := rand.Text()
	if err := s.post(ctx, body{Message: m, ID: id}); err != nil {
		return notify.Ref{}, err
	}
	return notify.Ref{Channel: m.To, TS: id, Shown: len(m.Items)}, nil
}

// Update posts m as the update of the message at ref.
func (s *Sender) Update(ctx context.Context, ref notify.Ref, m notify.Message) error {
	return s.post(ctx, body{Message: m, ID: rand.Text(), UpdateOf: ref.TS})
}

func (s *Sender) post(ctx context.Context, b body) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	tries, backoff := s.Tries, s.Backoff
	if tries <= 0 {
		tries = 4
	}
	if backoff <= 0 {
		backoff = 2 * time.Second
	}
	err = notify.Retry(ctx, tries, backoff, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%w: %w", notify.ErrPermanent, err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests:
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &notify.RetryAfterError{After: time.Duration(secs) * time.Second, Err: fmt.Errorf("the webhook answered %s", resp.Status)}
		case resp.StatusCode >= 500:
			return fmt.Errorf("the webhook answered %s", resp.Status)
		}
		return fmt.Errorf("%w: the webhook answered %s", notify.ErrPermanent, resp.Status)
	})
	if err != nil {
		return fmt.Errorf("cannot post to the webhook: %w", err)
	}
	return nil
}
