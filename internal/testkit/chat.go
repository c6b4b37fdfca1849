// Package testkit is opsbot's one place for test doubles that many
// packages need: a Chat that records what the domains post, and a clock
// tests move by hand. It is test equipment: nothing outside tests
// imports it.
package testkit

import (
	"context"
	"fmt"
	"sync"

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
// each post a ts of its own ("1700000000.000001", …). Fail, when set, is
// asked before each call and may refuse it with an error.
type Chat struct {
	mu    sync.Mutex
	posts []Post
	n     int
	// Fail, when set, is called with the method ("post", "update",
	// "upload") and the channel; an error it returns is the call's.
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
	c.n++
	ts := fmt.Sprintf("1700000000.%06d", c.n)
	c.posts = append(c.posts, Post{Channel: m.Channel, Thread: m.Thread, TS: ts, Msg: m})
	return ts, nil
}

// Update records a new version of the message channel/ts.
func (c *Chat) Update(_ context.Context, channel, ts string, m bot.Message) error {
	if err := c.fail("update", channel); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
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

// All returns everything recorded, in order.
func (c *Chat) All() []Post {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Post(nil), c.posts...)
}

// Posted returns the posts (not updates or uploads) to channel, in order.
func (c *Chat) Posted(channel string) []Post {
	var out []Post
	for _, p := range c.All() {
		if p.Channel == channel && !p.Update && p.File == nil {
			out = append(out, p)
		}
	}
	return out
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
