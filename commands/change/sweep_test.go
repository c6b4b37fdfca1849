package change

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/testenv"
)

// The sweep that runs when the desk starts, before the first interval has
// passed, marks a request past its expiry expired.
func TestSweepMarksExpiredAtStart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r, err := ParseRequest("restart nginx on web-1 -- sweep test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Request(ctx, r, "UALICE", bot.RoleOperator, "C1")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(61 * time.Minute)
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.svc.sweepLoop(run, time.Hour, e.svc.sweeps()) }()
	testenv.Eventually(t, 10*time.Second, func() bool {
		got, err := e.svc.st.get(ctx, c.ID)
		return err == nil && got.State == StateExpired
	}, "the request to be marked expired by the first sweep")
	stop()
	<-done
}

// Two replicas sweeping on a short interval against one Redis: the lock
// lets one sweep run at a time.
func TestSweepOneReplicaAtATime(t *testing.T) {
	e := newEnv(t)
	var sweeps, inFlight, maxInFlight atomic.Int32
	slow := sweep{what: "test", level: slog.LevelInfo, f: func(context.Context) (int, error) {
		n := inFlight.Add(1)
		for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
		}
		time.Sleep(20 * time.Millisecond) // long enough for the other replica to try
		inFlight.Add(-1)
		sweeps.Add(1)
		return 0, nil
	}}
	other, err := New(Config{Expiry: time.Hour}, Deps{Store: e.store, Chat: e.chat, Runner: e.runner, Resolver: e.cat, Actions: e.cat, Audit: e.audit})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, desk := range []*Service{e.svc, other} {
		wg.Go(func() { desk.sweepLoop(ctx, 100*time.Millisecond, []sweep{slow}) })
	}
	testenv.Eventually(t, 20*time.Second, func() bool { return sweeps.Load() >= 6 }, "six sweeps")
	cancel()
	wg.Wait()
	if m := maxInFlight.Load(); m != 1 {
		t.Errorf("%d sweeps ran at once, want 1", m)
	}
}
