// Package testkit is opsbot's one place for test doubles that many
// packages need: a Chat that records what the domains post, a clock
// tests move by hand, a router wired like the app's, an in-memory
// deduper, and a few checks several suites make (Redis round trips,
// live Slack markup, strict example YAML, benchmark percentiles). It is
// test equipment: nothing outside tests imports it. Of opsbot it imports
// only bot and bot/rbac, so the tests of any package those two do not
// import may use it.
package testkit

import (
	"context"
	"fmt"
	"sync"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// Post is one thing a Chat was asked to do: a post, an update of the
// message Channel/TS, or an upload.
type Post struct {
	Channel, Thread, TS string
	Msg                 bot.Message
	Update              bool
	File                *bot.File
}

// Chat is a bot.Chat that records every post, update and upload, giving
// each post a ts of its own ("1700000000.000001", …), unique across
// channels. Fail, when set, is asked before each call and may refuse it
// with an error (or panic, or block, as a broken client would).
type Chat struct {
	mu      sync.Mutex
	posts   []Post
	n       int
	deleted map[string]bool // channel/ts
	gone    map[string]bool // channels whose posts fail
	// Fail, when set (before the chat is used), is called with the method ("post", "update",
	// "upload") and the channel; an error it returns is the call's. It is
	// called outside the chat's lock, possibly from many goroutines.
	Fail func(method, channel string) error
}

var _ bot.Chat = (*Chat)(nil)

// NewChat returns an empty recording chat.
func NewChat() *Chat { return &Chat{} }

func (c *Chat) fail(method, channel string) error {
	if c.Fail == nil {
		return nil
	}
	return c.Fail(method, channel)
}

// Post records m and returns its new ts.
func (c *Chat) Post(_ context.Context, m bot.Message) (string, error) {
	if err := c.fail("post", m.Channel); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone[m.Channel] {
		return "", slack.SlackErrorResponse{Err: "channel_not_found"}
	}
	c.n++
	ts := fmt.Sprintf("1700000000.%06d", c.n)
	c.posts = append(c.posts, Post{Channel: m.Channel, Thread: m.Thread, TS: ts, Msg: m})
	return ts, nil
}

// Update records a new version of the message channel/ts. A message
// removed with Delete cannot be updated: Slack answers message_not_found.
func (c *Chat) Update(_ context.Context, channel, ts string, m bot.Message) error {
	if err := c.fail("update", channel); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deleted[channel+"/"+ts] {
		return slack.SlackErrorResponse{Err: "message_not_found"}
	}
	c.posts = append(c.posts, Post{Channel: channel, TS: ts, Msg: m, Update: true})
	return nil
}

// Upload records a file.
func (c *Chat) Upload(_ context.Context, channel, thread string, f bot.File) error {
	if err := c.fail("upload", channel); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts = append(c.posts, Post{Channel: channel, Thread: thread, File: &f})
	return nil
}

// Delete removes the message channel/ts as a person in Slack would: what
// was recorded stays, later updates of it fail with message_not_found.
func (c *Chat) Delete(channel, ts string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deleted == nil {
		c.deleted = map[string]bool{}
	}
	c.deleted[channel+"/"+ts] = true
}

// FailPostsTo makes posts to each of channels fail with Slack's
// channel_not_found from now on, and posts to every other channel work
// again; FailPostsTo() lifts it. Safe while the chat is in use.
func (c *Chat) FailPostsTo(channels ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gone = map[string]bool{}
	for _, ch := range channels {
		c.gone[ch] = true
	}
}

// All returns everything recorded, in order.
func (c *Chat) All() []Post {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Post(nil), c.posts...)
}

func (c *Chat) filter(keep func(Post) bool) []Post {
	var out []Post
	for _, p := range c.All() {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func isPost(p Post) bool { return !p.Update && p.File == nil }

// Posts returns the posts (not updates or uploads) to every channel, in
// order.
func (c *Chat) Posts() []Post { return c.filter(isPost) }

// Posted returns the posts (not updates or uploads) to channel, in order.
func (c *Chat) Posted(channel string) []Post {
	return c.filter(func(p Post) bool { return isPost(p) && p.Channel == channel })
}

// Updates returns the updates, in order.
func (c *Chat) Updates() []Post { return c.filter(func(p Post) bool { return p.Update }) }

// Uploads returns the uploads, in order.
func (c *Chat) Uploads() []Post { return c.filter(func(p Post) bool { return p.File != nil }) }

// Thread returns the posts in the thread of the message ts, in order.
func (c *Chat) Thread(ts string) []Post {
	return c.filter(func(p Post) bool { return isPost(p) && p.Thread == ts })
}

// Last is the message channel/ts as it reads now: its post, or its latest
// update.
func (c *Chat) Last(channel, ts string) bot.Message {
	var m bot.Message
	for _, p := range c.All() {
		if p.Channel == channel && p.TS == ts && p.File == nil {
			m = p.Msg
		}
	}
	return m
}

// Current returns every post as it reads now (with its latest update's
// message), in the order they were posted.
func (c *Chat) Current() []Post {
	all := c.All()
	latest := map[string]bot.Message{}
	for _, p := range all {
		if p.File == nil {
			latest[p.Channel+"/"+p.TS] = p.Msg
		}
	}
	var out []Post
	for _, p := range all {
		if isPost(p) {
			p.Msg = latest[p.Channel+"/"+p.TS]
			out = append(out, p)
		}
	}
	return out
}
