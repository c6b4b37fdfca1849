package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// Slack's limits.
const (
	MaxText   = 40_000 // characters in a message's text
	MaxBlocks = 50     // blocks in a message
)

var _ bot.Chat = (*Outbox)(nil)

// Post sends a message, waiting for its turn in the channel. A message over
// the block limit goes as several messages (the first one's ts is
// returned); text over the size limit goes up as a file in the message's
// thread (with blocks, the blocks are posted and the text, Slack's
// fallback, is cut there) — except for ephemeral messages, whose text is
// cut, since a file would be seen by the whole channel.
func (o *Outbox) Post(ctx context.Context, m bot.Message) (string, error) {
	long := len([]rune(m.Text)) > MaxText
	switch {
	case long && m.EphemeralTo != "":
		m.Text = truncate(m.Text)
	case long && len(m.Blocks) == 0:
		return o.postAsFile(ctx, m)
	case long:
		full := m.Text
		m.Text = truncate(full)
		ts, err := o.postBlocks(ctx, m)
		if err != nil {
			return ts, err
		}
		thread := m.Thread
		if thread == "" {
			thread = ts
		}
		return ts, o.Upload(ctx, m.Channel, thread, bot.File{Name: "message.txt", Title: "Full text", Content: []byte(full)})
	}
	return o.postBlocks(ctx, m)
}

// postBlocks posts m, as several messages in a thread when it has more
// blocks than Slack takes in one.
func (o *Outbox) postBlocks(ctx context.Context, m bot.Message) (string, error) {
	chunks := chunkBlocks(m.Blocks)
	var first string
	for i, blocks := range chunks {
		part := m
		part.Blocks = blocks
		if i > 0 && first != "" && part.Thread == "" {
			part.Thread = first
		}
		ts, err := o.postOne(ctx, part)
		if err != nil {
			return first, err
		}
		if first == "" {
			first = ts
		}
	}
	return first, nil
}

func (o *Outbox) postOne(ctx context.Context, m bot.Message) (string, error) {
	opts := msgOptions(m.Text, m.Blocks, m.Thread)
	var ts string
	if m.EphemeralTo != "" {
		err := o.call(ctx, "chat.postEphemeral", m.Channel, func(ctx context.Context) error {
			var err error
			ts, err = o.api.PostEphemeralContext(ctx, m.Channel, m.EphemeralTo, opts...)
			return err
		})
		return ts, err
	}
	var channel string
	err := o.call(ctx, "chat.postMessage", m.Channel, func(ctx context.Context) error {
		var err error
		channel, ts, err = o.api.PostMessageContext(ctx, m.Channel, opts...)
		return err
	})
	if err == nil && channel != "" && channel != m.Channel && isUserID(m.Channel) {
		o.mu.Lock()
		o.dms[m.Channel] = channel
		o.mu.Unlock()
	}
	return ts, err
}

func isUserID(s string) bool { return len(s) > 1 && (s[0] == 'U' || s[0] == 'W') }

func (o *Outbox) postAsFile(ctx context.Context, m bot.Message) (string, error) {
	ts, err := o.postOne(ctx, bot.Message{Channel: m.Channel, Thread: m.Thread,
		Text: "The answer is too long for one Slack message; it is attached as a file."})
	if err != nil {
		return "", err
	}
	thread := m.Thread
	if thread == "" {
		thread = ts
	}
	return ts, o.Upload(ctx, m.Channel, thread, bot.File{Name: "message.txt", Title: "Full answer", Content: []byte(m.Text)})
}

// update is a pending chat.update; later updates of the same message
// replace its content before it is sent.
type update struct {
	msg  bot.Message
	done chan struct{}
	err  error
}

// Update replaces a message's content. Updates of one message that arrive
// while an earlier one waits for its turn are coalesced: only the newest
// content is sent, and every caller gets that send's result.
func (o *Outbox) Update(ctx context.Context, channel, ts string, m bot.Message) error {
	o.mu.Lock()
	if dm, ok := o.dms[channel]; ok {
		channel = dm
	}
	key := channel + "/" + ts
	if u, ok := o.pending[key]; ok {
		u.msg = m
		o.mu.Unlock()
		select {
		case <-u.done:
			return u.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	u := &update{msg: m, done: make(chan struct{})}
	o.pending[key] = u
	o.mu.Unlock()
	defer close(u.done)
	var latest *bot.Message
	u.err = o.call(ctx, "chat.update", channel, func(ctx context.Context) error {
		if latest == nil {
			// The content is taken at the last moment; an update that
			// comes after this is a call of its own, queued behind.
			o.mu.Lock()
			delete(o.pending, key)
			m := u.msg
			o.mu.Unlock()
			latest = &m
		}
		set := latest.Blocks
		if len(set) > MaxBlocks {
			set = append(set[:MaxBlocks-1:MaxBlocks-1], blocks.Context("_"+blocks.Count(len(latest.Blocks)-MaxBlocks+1, "more block")+" left out_"))
		}
		_, _, _, err := o.api.UpdateMessageContext(ctx, channel, ts, msgOptions(truncate(latest.Text), set, "")...)
		return err
	})
	if latest == nil { // never sent: the context ended while it waited
		o.mu.Lock()
		if o.pending[key] == u {
			delete(o.pending, key)
		}
		o.mu.Unlock()
	}
	return u.err
}

// Upload sends a file to a channel, in a thread when given.
func (o *Outbox) Upload(ctx context.Context, channel, thread string, f bot.File) error {
	title := f.Title
	if title == "" {
		title = f.Name
	}
	return o.call(ctx, "files.upload", channel, func(ctx context.Context) error {
		_, err := o.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(f.Content), FileSize: len(f.Content), Filename: f.Name,
			Title: title, Channel: channel, ThreadTimestamp: thread,
		})
		return err
	})
}

// Respond answers through a slash command's or click's response_url,
// which works even in channels opsbot is not in. More blocks than Slack
// takes in one message go as several posts (a response_url takes up to
// five); the first one replaces the original when asked to.
func (o *Outbox) Respond(ctx context.Context, client *http.Client, url string, msg slack.WebhookMessage) error {
	msg.Text = truncate(msg.Text)
	if msg.Blocks == nil || len(msg.Blocks.BlockSet) <= MaxBlocks {
		return o.respondOne(ctx, client, url, msg)
	}
	for i, blocks := range chunkBlocks(msg.Blocks.BlockSet) {
		part := msg
		part.Blocks = &slack.Blocks{BlockSet: blocks}
		if i > 0 {
			part.ReplaceOriginal = false
		}
		if err := o.respondOne(ctx, client, url, part); err != nil {
			return err
		}
	}
	return nil
}

func (o *Outbox) respondOne(ctx context.Context, client *http.Client, url string, msg slack.WebhookMessage) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return o.call(ctx, "response_url", url, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return &slack.RateLimitedError{RetryAfter: retryAfter(resp)}
		}
		if resp.StatusCode >= 300 {
			return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
		}
		return nil
	})
}

func msgOptions(text string, blocks []slack.Block, thread string) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return opts
}

func chunkBlocks(blocks []slack.Block) [][]slack.Block {
	if len(blocks) <= MaxBlocks {
		return [][]slack.Block{blocks}
	}
	var out [][]slack.Block
	for len(blocks) > 0 {
		n := min(MaxBlocks, len(blocks))
		out = append(out, blocks[:n])
		blocks = blocks[n:]
	}
	return out
}

func truncate(s string) string {
	r := []rune(s)
	if len(r) <= MaxText {
		return s
	}
	const note = "\n… (cut: the message was too long for Slack)"
	return strings.TrimSpace(string(r[:MaxText-len(note)])) + note
}
