// Package slack sends motcua's messages to Slack with slack-go: a Block Kit
// digest in Vietnamese, cut to Slack's limits, updated in place with
// chat.update; 429 answers are waited out as Slack asks.
package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/motcua/motcua/notify"
)

// Slack's limits that a message keeps within.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxHeaderText  = 150
	maxText        = 12000 // the fallback text; Slack truncates past 40,000, and notifications show the start
)

// Config configures the sender.
type Config struct {
	Token  string
	APIURL string // default Slack's; ends with a slash
	// Tries and Backoff bound the retries of one message; defaults 4 and 2 s.
	Tries   int
	Backoff time.Duration
}

// Sender sends to Slack.
type Sender struct {
	api *slack.Client
	cfg Config
}

// New returns a sender with the bot token of cfg.
func New(cfg Config) *Sender {
	opts := []slack.Option{}
	if cfg.APIURL != "" {
		u := cfg.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	if cfg.Tries <= 0 {
		cfg.Tries = 4
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 2 * time.Second
	}
	return &Sender{api: slack.New(cfg.Token, opts...), cfg: cfg}
}

// Name is "slack".
func (s *Sender) Name() string { return "slack" }

// Send posts m to its recipient.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Ref, error) {
	blocks, text, shown := Render(m)
	var ref notify.Ref
	err := notify.Retry(ctx, s.cfg.Tries, s.cfg.Backoff, func() error {
		ch, ts, err := s.api.PostMessageContext(ctx, m.To, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		if err != nil {
			return classify(err)
		}
		ref = notify.Ref{Channel: ch, TS: ts, Shown: shown}
		return nil
	})
	if err != nil {
		return notify.Ref{}, fmt.Errorf("cannot post to Slack %q: %w", m.To, err)
	}
	return ref, nil
}

// Update replaces the message at ref with m.
func (s *Sender) Update(ctx context.Context, ref notify.Ref, m notify.Message) error {
	blocks, text, _ := Render(m)
	err := notify.Retry(ctx, s.cfg.Tries, s.cfg.Backoff, func() error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, ref.Channel, ref.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("cannot update the Slack message %s in %q: %w", ref.TS, ref.Channel, err)
	}
	return nil
}

// SendFile uploads f into the conversation of the message at ref
// (files.getUploadURLExternal, the upload, files.completeUploadExternal).
func (s *Sender) SendFile(ctx context.Context, ref notify.Ref, f notify.File) error {
	err := notify.Retry(ctx, s.cfg.Tries, s.cfg.Backoff, func() error {
		_, err := s.api.UploadFileContext(ctx, slack.UploadFileParameters{Reader: bytes.NewReader(f.Data), FileSize: len(f.Data),
			Filename: f.Name, Title: f.Title, Channel: ref.Channel})
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("cannot upload %q to Slack %q: %w", f.Name, ref.Channel, err)
	}
	return nil
}

// classify tells a 429 and a failure that retrying will not mend from the
// others.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &notify.RetryAfterError{After: rl.RetryAfter, Err: err}
	}
	switch err.Error() {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "channel_not_found", "user_not_found",
		"is_archived", "not_in_channel", "msg_too_long", "invalid_blocks", "message_not_found", "cant_update_message":
		return fmt.Errorf("%w: %w", notify.ErrPermanent, err)
	}
	return err
}

// escape writes s for Slack's mrkdwn.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Render writes m as Block Kit blocks and the fallback text, within
// Slack's limits: items past them are left out and counted ("và N hồ sơ
// khác"). Every id shown is in the text as it is, so Slack's search finds
// it. It returns how many items it shows.
func Render(m notify.Message) ([]slack.Block, string, int) {
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, cut(m.Title, maxHeaderText), false, false))}
	var text strings.Builder
	text.WriteString(m.Title)
	if m.Summary != "" {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cut(escape(m.Summary), maxSectionText), false, false), nil, nil))
		text.WriteString("\n" + m.Summary)
	}
	// Room left for item sections: the links and the footer come after.
	room := maxBlocks - len(blocks) - 3
	shown := 0
	var sec strings.Builder
	group := ""
	flush := func() {
		if sec.Len() > 0 {
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, sec.String(), false, false), nil, nil))
			sec.Reset()
		}
	}
	for i, it := range m.Items {
		var line strings.Builder
		if it.Group != group {
			group = it.Group
			line.WriteString("*" + escape(group) + "*\n")
		}
		if it.Done {
			fmt.Fprintf(&line, "• ~%s~ %s (đã xong)\n", escape(it.ID), escape(it.Text))
		} else {
			fmt.Fprintf(&line, "• *%s* %s\n", escape(it.ID), escape(it.Text))
		}
		plain := "\n" + it.ID + " " + it.Text
		if sec.Len()+line.Len() > maxSectionText {
			flush()
		}
		if len(blocks) >= room || text.Len()+len(plain) > maxText || line.Len() > maxSectionText {
			left := len(m.Items) - i
			more := fmt.Sprintf("và %d hồ sơ khác", left)
			flush()
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "_"+more+"_", false, false), nil, nil))
			text.WriteString("\n" + more)
			break
		}
		sec.WriteString(line.String())
		text.WriteString(plain)
		shown++
	}
	flush()
	if len(m.Links) > 0 {
		var els []slack.BlockElement
		for i, l := range m.Links {
			if i == 5 {
				break
			}
			b := slack.NewButtonBlockElement(fmt.Sprintf("link-%d", i), "", slack.NewTextBlockObject(slack.PlainTextType, cut(l.Text, 75), false, false))
			b.URL = l.URL
			els = append(els, b)
			text.WriteString("\n" + l.Text + ": " + l.URL)
		}
		blocks = append(blocks, slack.NewActionBlock("links", els...))
	}
	if m.Footer != "" {
		blocks = append(blocks, slack.NewContextBlock("footer", slack.NewTextBlockObject(slack.MarkdownType, cut(escape(m.Footer), maxSectionText), false, false)))
	}
	return blocks, text.String(), shown
}
