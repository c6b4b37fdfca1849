package ratelimit

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/integrations/redisstore/redistest"
)

func TestLimitPerUserAndWindow(t *testing.T) {
	srv := redistest.Start(t)
	l := New(srv.Client(t), "t:ratelimit", 3, time.Minute, slog.New(slog.DiscardHandler))
	now := time.Date(2026, 12, 1, 10, 0, 15, 0, time.UTC)
	l.now = func() time.Time { return now }
	h := l.Middleware()(func(context.Context, *bot.Request) (*bot.Reply, error) { return bot.Text("done"), nil })
	run := func(user string) error {
		_, err := h(context.Background(), &bot.Request{UserID: user, Text: "ping"})
		return err
	}
	for i := 1; i <= 3; i++ {
		if err := run("U1"); err != nil {
			t.Fatalf("command %d of 3: %v", i, err)
		}
	}
	err := run("U1")
	if bot.ErrorCode(err) != bot.CodeRateLimited {
		t.Fatalf("fourth command in a minute: %v, want rate limited", err)
	}
	if msg := bot.UserMessage(err); msg != "You've sent more than 3 commands in a minute. Please wait 45 s and try again." {
		t.Errorf("message = %q", msg)
	}
	if err := run("U2"); err != nil {
		t.Errorf("another user was limited too: %v", err)
	}
	now = now.Add(45 * time.Second) // the next minute
	if err := run("U1"); err != nil {
		t.Errorf("in the next window: %v", err)
	}
	ttl := srv.Client(t).PTTL(context.Background(), "t:ratelimit:U1:"+strconv.FormatInt(now.UnixNano()/int64(time.Minute), 10)).Val()
	if ttl <= 0 || ttl > time.Minute+time.Second {
		t.Errorf("counter TTL = %v, want at most a window and a second", ttl)
	}
}

// TestRedisDownLetsCommandsThrough: the limit protects opsbot; it must
// not take it down with Redis.
func TestRedisDownLetsCommandsThrough(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	l := New(c, "t:ratelimit", 1, time.Minute, slog.New(slog.DiscardHandler))
	h := l.Middleware()(func(context.Context, *bot.Request) (*bot.Reply, error) { return bot.Text("done"), nil })
	for i := 0; i < 3; i++ {
		if rep, err := h(context.Background(), &bot.Request{UserID: "U1"}); err != nil || rep.Text != "done" {
			t.Fatalf("command %d with Redis down: %v, %v", i, rep, err)
		}
	}
}
