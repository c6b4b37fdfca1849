// Package loop runs due steps — escalations, reminders, handoffs — once
// across every replica. Steps wait in a Redis sorted set scored by due
// time; each poll claims a due step with a lock keyed by its kind, id and
// due time, runs its handler, and removes it, or retries it with backoff
// when the handler fails. A restart loses nothing: what is due stays in
// Redis until a handler has run it.
package loop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/bot/backoff"
	"opsbot/integrations/redisstore"
)

// Handler runs one step. id and payload are what Schedule was given. An
// error schedules a retry with backoff.
type Handler func(ctx context.Context, id, payload string) error

// Options tune a loop; the zero value is usable.
type Options struct {
	// Clock tells the time; nil means time.Now. Tests inject a fake one.
	Clock func() time.Time
	// Poll is how often Run looks for due steps (default 1s).
	Poll time.Duration
	// LockTTL bounds one handler run; a replica that dies mid-step leaves
	// the step to be run again once this passes (default 1m).
	LockTTL time.Duration
	// Batch is the most steps claimed per poll (default 100).
	Batch int64
	// Backoff is the first retry delay, doubled per failure up to
	// MaxBackoff (defaults 5s and 5m).
	Backoff, MaxBackoff time.Duration
	// MaxAttempts drops a step after this many failures (default 20).
	MaxAttempts int
	Log         *slog.Logger
	// Metrics, when set, receives opsbot_loop_* metrics.
	Metrics prometheus.Registerer
	// Panics recovers a step handler that panics (logged with its stack,
	// counted as where="step.<kind>"); the step is then retried like any
	// failure. Nil recovers and logs only.
	Panics *bot.Panics
}

// Loop holds the handlers and polls Redis for due steps.
type Loop struct {
	rdb      redis.UniversalClient
	due      string // sorted set: member -> due unix ms
	steps    string // hash: member -> step record
	lockBase string
	opts     Options
	metrics  *metrics

	mu       sync.RWMutex
	handlers map[string]Handler
}

// New returns a loop keeping its steps in store.
func New(store *redisstore.Store, o Options) *Loop {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.LockTTL <= 0 {
		o.LockTTL = time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Backoff <= 0 {
		o.Backoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Loop{
		rdb:      store.Client(),
		due:      store.Key("{loop}", "due"),
		steps:    store.Key("{loop}", "steps"),
		lockBase: store.Key("{loop}", "step"),
		opts:     o,
		metrics:  newMetrics(o.Metrics),
		handlers: map[string]Handler{},
	}
}

// Handle sets the handler for a kind of step ("oncall.escalate"). Kinds
// must not contain ':'.
func (l *Loop) Handle(kind string, h Handler) error {
	if kind == "" || strings.Contains(kind, ":") || h == nil {
		return fmt.Errorf("handle step kind %q: a kind is a non-empty name without ':' and needs a handler", kind)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.handlers[kind]; ok {
		return fmt.Errorf("handle step kind %q: already has a handler", kind)
	}
	l.handlers[kind] = h
	return nil
}

func member(kind, id string) string { return kind + ":" + id }

// Schedule makes the step kind/id due at due with payload, replacing an
// earlier schedule of the same kind and id.
func (l *Loop) Schedule(ctx context.Context, kind, id string, due time.Time, payload string) error {
	if kind == "" || strings.Contains(kind, ":") {
		return fmt.Errorf("schedule step: bad kind %q", kind)
	}
	m := member(kind, id)
	rec := encodeRecord(record{Payload: payload})
	if err := scheduleScript.Run(ctx, l.rdb, []string{l.due, l.steps}, m, due.UnixMilli(), rec).Err(); err != nil {
		return fmt.Errorf("schedule step %s: %w", m, err)
	}
	return nil
}

// ScheduleIn queues what Schedule writes on p, so a caller can send it
// with its own commands in one round trip; its outcome is the returned
// command's, known once p is executed. It is queued as EVAL, since a
// pipeline cannot fall back from EVALSHA to EVAL when the script is not
// loaded yet.
func (l *Loop) ScheduleIn(ctx context.Context, p redis.Pipeliner, kind, id string, due time.Time, payload string) (*redis.Cmd, error) {
	if kind == "" || strings.Contains(kind, ":") {
		return nil, fmt.Errorf("schedule step: bad kind %q", kind)
	}
	rec := encodeRecord(record{Payload: payload})
	return scheduleScript.Eval(ctx, p, []string{l.due, l.steps}, member(kind, id), due.UnixMilli(), rec), nil
}

// Cancel forgets the step kind/id; cancelling a step that is not there is
// not an error.
func (l *Loop) Cancel(ctx context.Context, kind, id string) error {
	m := member(kind, id)
	if err := cancelScript.Run(ctx, l.rdb, []string{l.due, l.steps}, m).Err(); err != nil {
		return fmt.Errorf("cancel step %s: %w", m, err)
	}
	return nil
}

// Pending reports when kind/id is due, and whether it is scheduled.
func (l *Loop) Pending(ctx context.Context, kind, id string) (time.Time, bool, error) {
	ms, err := l.rdb.ZScore(ctx, l.due, member(kind, id)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read step %s: %w", member(kind, id), err)
	}
	return time.UnixMilli(int64(ms)), true, nil
}

// Run polls for due steps every Poll until ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	t := time.NewTicker(l.opts.Poll)
	defer t.Stop()
	for {
		if _, err := l.Tick(ctx); err != nil && ctx.Err() == nil {
			l.opts.Log.Warn("step loop poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick runs the steps due now, one at a time, and reports how many this
// loop ran (successfully or not). Run calls it every Poll; tests call it
// directly after moving their clock.
func (l *Loop) Tick(ctx context.Context) (int, error) {
	now := l.opts.Clock()
	due, err := l.rdb.ZRangeByScoreWithScores(ctx, l.due, &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: l.opts.Batch,
	}).Result()
	if err != nil {
		return 0, fmt.Errorf("read due steps: %w", err)
	}
	ran := 0
	for _, z := range due {
		if ctx.Err() != nil {
			return ran, ctx.Err()
		}
		m, _ := z.Member.(string)
		ok, err := l.runOne(ctx, m, int64(z.Score), now)
		if err != nil && !(ctx.Err() != nil && errors.Is(err, context.Canceled)) {
			l.opts.Log.Warn("step bookkeeping failed", "step", m, "err", err)
		}
		if ok {
			ran++
		}
	}
	return ran, nil
}

// runOne claims and runs one step; ran is false when another loop had it
// or it changed since it was read.
func (l *Loop) runOne(ctx context.Context, m string, dueMs int64, now time.Time) (ran bool, err error) {
	lock := l.lockBase + ":" + m + ":" + strconv.FormatInt(dueMs, 10)
	res, err := claimScript.Run(ctx, l.rdb, []string{l.due, l.steps, lock}, m, dueMs, l.opts.LockTTL.Milliseconds()).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil // someone else has it, or it was rescheduled
	}
	if err != nil {
		return false, fmt.Errorf("claim step %s: %w", m, err)
	}
	raw, _ := res.(string)
	rec := decodeRecord(raw)
	kind, id, _ := strings.Cut(m, ":")
	l.mu.RLock()
	h := l.handlers[kind]
	l.mu.RUnlock()

	l.metrics.lag.WithLabelValues(kind).Observe(max(0, now.Sub(time.UnixMilli(dueMs)).Seconds()))
	hctx, cancel := context.WithTimeout(ctx, l.opts.LockTTL)
	var runErr error
	if h == nil {
		runErr = fmt.Errorf("no handler for step kind %q on this replica", kind)
	} else {
		runErr = l.safeRun(hctx, kind, h, id, rec.Payload)
	}
	cancel()
	// Bookkeeping must finish even when the poll's context is ending.
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer bcancel()
	if runErr == nil {
		l.metrics.steps.WithLabelValues(kind, "ok").Inc()
		if err := doneScript.Run(bctx, l.rdb, []string{l.due, l.steps, lock}, m, dueMs).Err(); err != nil {
			return true, fmt.Errorf("finish step %s: %w", m, err)
		}
		return true, nil
	}
	if ctx.Err() != nil {
		// The loop is stopping and the handler ended with it: not a
		// failure. The step stays due as it was, with no attempt counted,
		// so the next start (or another replica) runs it at once.
		l.metrics.steps.WithLabelValues(kind, "interrupted").Inc()
		l.opts.Log.Debug("step cut short by the stop; it runs again at the next start", "step", m, "err", runErr)
		if err := l.rdb.Del(bctx, lock).Err(); err != nil {
			return true, fmt.Errorf("release step %s: %w", m, err)
		}
		return true, nil
	}
	rec.Attempt++
	if rec.Attempt >= l.opts.MaxAttempts {
		l.metrics.steps.WithLabelValues(kind, "dropped").Inc()
		l.opts.Log.Error("step failed too often; dropped", "step", m, "attempts", rec.Attempt, "err", runErr)
		if err := doneScript.Run(bctx, l.rdb, []string{l.due, l.steps, lock}, m, dueMs).Err(); err != nil {
			return true, fmt.Errorf("drop step %s: %w", m, err)
		}
		return true, nil
	}
	l.metrics.steps.WithLabelValues(kind, "retry").Inc()
	next := l.opts.Clock().Add(l.backoff(rec.Attempt))
	l.opts.Log.Warn("step failed; will retry", "step", m, "attempt", rec.Attempt, "retry_at", next, "err", runErr)
	if err := retryScript.Run(bctx, l.rdb, []string{l.due, l.steps, lock}, m, dueMs, next.UnixMilli(), encodeRecord(rec)).Err(); err != nil {
		return true, fmt.Errorf("reschedule failed step %s: %w", m, err)
	}
	return true, nil
}

func (l *Loop) backoff(attempt int) time.Duration {
	return backoff.Policy{First: l.opts.Backoff, Max: l.opts.MaxBackoff}.Delay(attempt)
}

// safeRun turns a handler's panic into an error, so one bad step cannot
// stop the loop.
func (l *Loop) safeRun(ctx context.Context, kind string, h Handler, id, payload string) (err error) {
	defer l.opts.Panics.Recover("step."+kind, func(perr error) { err = perr })
	return h(ctx, id, payload)
}
