package scheduler

import (
	"context"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

// The Redis round trips of one scheduled run, once the scripts are
// loaded: the loop's own (read the due steps, claim, done) and the
// scheduler's (schedule the next occurrence, begin, record the end).
// go test ./jobs/scheduler -run RoundTrips -v prints them.
func TestRoundTripsPerRun(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	trips := &testkit.RoundTrips{}
	rdb.AddHook(trips)
	store := redisstore.New(rdb, "t")
	c := testkit.NewClock(t0)
	r := newReplica(t, store, c, bot.Job{Name: "tick", Schedule: "@every 1m", Run: func(context.Context, bot.JobRun) error { return nil }})
	// Warm up: the first run loads the scripts (EVALSHA, then EVAL).
	c.Add(time.Minute)
	tickAll(t, []*replica{r})
	const runs = 50
	var total int64
	for range runs {
		c.Add(time.Minute)
		trips.Reset()
		tickAll(t, []*replica{r})
		total += trips.Count()
	}
	per := float64(total) / runs
	t.Logf("Redis round trips per scheduled run: %.1f (loop: read due, claim, done = 3; scheduler: next occurrence, begin, end = 3)", per)
	if per != 6 {
		t.Errorf("%.1f round trips per run, want 6 (3 the loop's, 3 the scheduler's)", per)
	}
}
