package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"opsbot/bot"
)

// lateChat forwards to the transport's Chat once it exists: the domains
// are built before the console that posts for them.
type lateChat struct {
	mu sync.RWMutex
	c  bot.Chat
}

func (l *lateChat) Set(c bot.Chat) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c = c
}

func (l *lateChat) get() (bot.Chat, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.c == nil {
		return nil, errors.New("no transport to post through yet")
	}
	return l.c, nil
}

func (l *lateChat) Post(ctx context.Context, m bot.Message) (string, error) {
	c, err := l.get()
	if err != nil {
		return "", err
	}
	return c.Post(ctx, m)
}

func (l *lateChat) Update(ctx context.Context, ch, ts string, m bot.Message) error {
	c, err := l.get()
	if err != nil {
		return err
	}
	return c.Update(ctx, ch, ts, m)
}

func (l *lateChat) Upload(ctx context.Context, ch, th string, f bot.File) error {
	c, err := l.get()
	if err != nil {
		return err
	}
	return c.Upload(ctx, ch, th, f)
}

// Backlog forwards to the transport's pacing when it has one, so alert
// storms fold into digests instead of queueing.
func (l *lateChat) Backlog(channel string) time.Duration {
	c, err := l.get()
	if err != nil {
		return 0
	}
	if b, ok := c.(interface{ Backlog(string) time.Duration }); ok {
		return b.Backlog(channel)
	}
	return 0
}
