// Package backoff is the one doubling delay behind every retry in opsbot
// (Slack calls, reconnects, loop steps, delivery workers, result writes):
// each retry waits twice as long as the last, up to a cap, and every wait
// ends early when its context does.
package backoff

import (
	"context"
	"time"
)

// Policy is a doubling delay: First before the first retry, doubled each
// time, never more than Max (zero: no cap).
type Policy struct {
	First, Max time.Duration
}

// Delay is the wait before retry number attempt (1 for the first retry).
func (p Policy) Delay(attempt int) time.Duration {
	d := p.First
	for i := 1; i < attempt; i++ {
		if p.Max > 0 && d >= p.Max {
			break
		}
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	return d
}

// Sleep waits d, or until ctx ends (returning ctx's error then).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Retry runs f until it succeeds, says not to retry, makes attempts
// tries, or ctx ends, waiting p's delays between tries with sleep (nil:
// Sleep). It returns f's last error (joined with ctx's when ctx ended).
func Retry(ctx context.Context, p Policy, attempts int, sleep func(context.Context, time.Duration) error, f func(ctx context.Context) (retry bool, err error)) error {
	if sleep == nil {
		sleep = Sleep
	}
	var err error
	for attempt := 1; ; attempt++ {
		var retry bool
		retry, err = f(ctx)
		if err == nil || !retry || (attempts > 0 && attempt >= attempts) {
			return err
		}
		if serr := sleep(ctx, p.Delay(attempt)); serr != nil {
			return err
		}
	}
}
