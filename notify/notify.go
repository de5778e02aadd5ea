// Package notify holds what motcua tells people (a Message: a digest of
// dossiers with counts and links) and the Sender that each delivery channel
// implements: notify/slack with slack-go, notify/webhook as JSON for other
// chat tools. The deadline alerts and the weekly reports send through it.
package notify

import (
	"context"
	"errors"
	"time"
)

// Message is one digest to one recipient.
type Message struct {
	// Kind names what the message is: "deadline", "escalation", "report".
	Kind string `json:"kind"`
	// To is the recipient: a Slack member id (U...) or channel (C... or
	// #name); the webhook passes it on.
	To      string `json:"to"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	// Items are the dossiers (or rows) the message names, in order.
	Items []Item `json:"items"`
	Links []Link `json:"links,omitempty"`
	// Footer is a last line of context, such as when the figures were
	// counted.
	Footer string `json:"footer,omitempty"`
}

// Item is one line of a message about one dossier (or row).
type Item struct {
	ID    string `json:"id"`
	Group string `json:"group"` // the heading it goes under, e.g. "Quá hạn"
	Text  string `json:"text"`  // what follows the id
	Done  bool   `json:"done,omitempty"`
}

// Link is a link of a message, to the pages.
type Link struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Ref says where a sent message lives, so that it can be updated.
type Ref struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	// Shown is how many of the message's items the channel showed; the
	// rest were cut to its limits (and counted as "và N hồ sơ khác").
	Shown int `json:"shown"`
}

// Sender delivers messages on one channel.
type Sender interface {
	// Name names the channel in logs and metrics: "slack", "webhook".
	Name() string
	Send(ctx context.Context, m Message) (Ref, error)
	// Update replaces a sent message.
	Update(ctx context.Context, ref Ref, m Message) error
}

// File is a file attached to a message, such as a report's XLSX.
type File struct {
	Name  string // file name, with its extension
	Title string
	Data  []byte
}

// FileSender attaches files to the conversation of a sent message.
type FileSender interface {
	SendFile(ctx context.Context, ref Ref, f File) error
}

// RetryAfterError is a refusal that says when to ask again (Slack's 429).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// ErrPermanent marks a failure that asking again will not mend (a bad
// token, an unknown channel).
var ErrPermanent = errors.New("permanent failure")

// Retry calls do until it succeeds, waiting what a RetryAfterError asks
// or a backoff from first, doubling, for at most tries calls, and never
// past ctx; a permanent failure stops it at once.
func Retry(ctx context.Context, tries int, first time.Duration, do func() error) error {
	wait := first
	var err error
	for i := 0; i < tries; i++ {
		if err = do(); err == nil || errors.Is(err, ErrPermanent) {
			return err
		}
		if i == tries-1 {
			break
		}
		d := wait
		var ra *RetryAfterError
		if errors.As(err, &ra) && ra.After > 0 {
			d = ra.After
		} else {
			wait *= 2
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
	return err
}
