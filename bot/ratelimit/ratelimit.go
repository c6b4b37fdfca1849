// Package ratelimit answers a person who sends commands too fast, counted
// in Redis so every replica shares the count.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
)

// Limiter allows Limit requests per user in each Window.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	limit  int64
	window time.Duration
	log    *slog.Logger
	now    func() time.Time
}

// New returns a limiter keeping counters under prefix.
func New(rdb redis.UniversalClient, prefix string, limit int, window time.Duration, log *slog.Logger) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, limit: int64(limit), window: window, log: log, now: time.Now}
}

// Allow counts one request by user and reports whether it is within the
// limit and, if not, how long until the window ends.
func (l *Limiter) Allow(ctx context.Context, user string) (bool, time.Duration, error) {
	now := l.now()
	slot := now.UnixNano() / int64(l.window)
	key := l.prefix + ":" + user + ":" + strconv.FormatInt(slot, 10)
	pipe := l.rdb.Pipeline()
	incr := pipe.Incr(ctx, key)
	pipe.PExpire(ctx, key, l.window+time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		return true, 0, fmt.Errorf("count request for rate limit: %w", err)
	}
	if incr.Val() <= l.limit {
		return true, 0, nil
	}
	next := time.Unix(0, (slot+1)*int64(l.window))
	return false, next.Sub(now), nil
}

// Middleware refuses politely once a user is over the limit. When Redis
// cannot count, requests are let through (and the failure logged): the
// limit protects opsbot, it must not take it down.
func (l *Limiter) Middleware() bot.Middleware {
	return func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			if l.limit <= 0 {
				return next(ctx, req)
			}
			ok, wait, err := l.Allow(ctx, req.UserID)
			if err != nil {
				l.log.Warn("rate limit not checked", "user", req.UserID, "err", err)
			}
			if !ok {
				secs := int(math.Ceil(wait.Seconds()))
				return nil, bot.Errorf(bot.CodeRateLimited,
					"You've sent more than %d commands in %s. Please wait %d s and try again.", l.limit, span(l.window), secs)
			}
			return next(ctx, req)
		}
	}
}

// span words a window for people: "a minute" rather than "1m0s".
func span(d time.Duration) string {
	switch d {
	case time.Minute:
		return "a minute"
	case time.Hour:
		return "an hour"
	}
	return d.String()
}
