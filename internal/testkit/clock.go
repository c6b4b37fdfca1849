package testkit

import (
	"context"
	"sync"
	"time"
)

// Clock is a clock tests move by hand; safe for concurrent use. Give
// Clock.Now where a package takes func() time.Time. Its Sleep does not
// wait: it moves the clock by the time asked for and notes it, so a
// Clock also serves where a package takes a clock that sleeps (the
// outbox's pacing and backoff).
type Clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Sleep returns ctx's error if it has ended; else it moves the clock by
// d (nothing for d <= 0) at once and notes the wait.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.sleeps = append(c.sleeps, d)
		c.t = c.t.Add(d)
	}
	return nil
}

// Slept returns the waits Sleep was asked for that took time (d > 0), in
// order.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
