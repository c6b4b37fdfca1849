package loop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) }

func store(t *testing.T) *redisstore.Store {
	t.Helper()
	srv := redistest.Start(t)
	return redisstore.New(srv.Client(t), "t")
}

// counter records the ids a handler saw.
type counter struct {
	mu  sync.Mutex
	ids []string
}

func (c *counter) handle(_ context.Context, id, payload string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, id+"="+payload)
	return nil
}

func (c *counter) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...)
}

func newLoop(t *testing.T, s *redisstore.Store, c *testkit.Clock, kind string, h loop.Handler) *loop.Loop {
	t.Helper()
	l := loop.New(s, loop.Options{Clock: c.Now, Backoff: time.Second, MaxBackoff: 4 * time.Second, MaxAttempts: 3})
	if err := l.Handle(kind, h); err != nil {
		t.Fatal(err)
	}
	return l
}

func tick(t *testing.T, l *loop.Loop) int {
	t.Helper()
	n, err := l.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStepRunsWhenDueAndOnce(t *testing.T) {
	ctx := context.Background()
	s, c, cnt := store(t), newClock(), &counter{}
	l := newLoop(t, s, c, "k", cnt.handle)
	if err := l.Schedule(ctx, "k", "a", c.Now().Add(time.Minute), "p1"); err != nil {
		t.Fatal(err)
	}
	if n := tick(t, l); n != 0 {
		t.Fatalf("a step ran %d times before it was due", n)
	}
	c.Add(time.Minute)
	if n := tick(t, l); n != 1 {
		t.Fatalf("due step ran %d times, want 1", n)
	}
	c.Add(time.Hour)
	if n := tick(t, l); n != 0 {
		t.Fatalf("a finished step ran again (%d)", n)
	}
	if got := cnt.seen(); len(got) != 1 || got[0] != "a=p1" {
		t.Fatalf("handler saw %v", got)
	}
	if _, ok, _ := l.Pending(ctx, "k", "a"); ok {
		t.Error("finished step is still pending")
	}
}

func TestRescheduleReplacesAndCancelForgets(t *testing.T) {
	ctx := context.Background()
	s, c, cnt := store(t), newClock(), &counter{}
	l := newLoop(t, s, c, "k", cnt.handle)
	_ = l.Schedule(ctx, "k", "a", c.Now(), "old")
	_ = l.Schedule(ctx, "k", "a", c.Now().Add(time.Hour), "new")
	_ = l.Schedule(ctx, "k", "b", c.Now(), "x")
	if err := l.Cancel(ctx, "k", "b"); err != nil {
		t.Fatal(err)
	}
	if n := tick(t, l); n != 0 {
		t.Fatalf("ran %d steps; the rescheduled and cancelled ones are not due", n)
	}
	c.Add(time.Hour)
	tick(t, l)
	if got := cnt.seen(); len(got) != 1 || got[0] != "a=new" {
		t.Fatalf("handler saw %v, want [a=new]", got)
	}
}

func TestHandlerThatReschedulesItselfStays(t *testing.T) {
	ctx := context.Background()
	s, c := store(t), newClock()
	var l *loop.Loop
	runs := 0
	l = newLoop(t, s, c, "tick", func(ctx context.Context, id, _ string) error {
		runs++
		return l.Schedule(ctx, "tick", id, c.Now().Add(10*time.Minute), "")
	})
	_ = l.Schedule(ctx, "tick", "x", c.Now(), "")
	for i := 0; i < 3; i++ {
		tick(t, l)
		c.Add(10 * time.Minute)
	}
	if runs != 3 {
		t.Fatalf("recurring step ran %d times over three periods, want 3", runs)
	}
	if due, ok, _ := l.Pending(ctx, "tick", "x"); !ok || !due.Equal(c.Now()) {
		t.Fatalf("next run = %v %v, want %v", due, ok, c.Now())
	}
}

func TestFailedStepRetriesWithBackoffThenDrops(t *testing.T) {
	ctx := context.Background()
	s, c := store(t), newClock()
	var attempts atomic.Int32
	l := newLoop(t, s, c, "k", func(context.Context, string, string) error {
		attempts.Add(1)
		return errors.New("slack is down")
	})
	_ = l.Schedule(ctx, "k", "a", c.Now(), "")
	start := c.Now()
	tick(t, l)
	due, ok, _ := l.Pending(ctx, "k", "a")
	if !ok || due.Sub(start) != time.Second {
		t.Fatalf("after one failure the step is due %v after (pending %v), want 1s", due.Sub(start), ok)
	}
	c.Add(time.Second)
	tick(t, l)
	due, _, _ = l.Pending(ctx, "k", "a")
	if due.Sub(c.Now()) != 2*time.Second {
		t.Fatalf("second backoff = %v, want 2s", due.Sub(c.Now()))
	}
	c.Add(2 * time.Second)
	tick(t, l) // third failure reaches MaxAttempts
	if _, ok, _ := l.Pending(ctx, "k", "a"); ok {
		t.Fatal("a step that failed MaxAttempts times is still pending")
	}
	if attempts.Load() != 3 {
		t.Fatalf("attempts = %d, want 3", attempts.Load())
	}
}

func TestPanicIsAFailure(t *testing.T) {
	ctx := context.Background()
	s, c := store(t), newClock()
	l := newLoop(t, s, c, "k", func(context.Context, string, string) error { panic("boom") })
	_ = l.Schedule(ctx, "k", "a", c.Now(), "")
	tick(t, l)
	if _, ok, _ := l.Pending(ctx, "k", "a"); !ok {
		t.Fatal("a panicking step was dropped instead of retried")
	}
}

func TestUnknownKindIsRetriedNotLost(t *testing.T) {
	ctx := context.Background()
	s, c, cnt := store(t), newClock(), &counter{}
	old := newLoop(t, s, c, "other", cnt.handle)
	_ = old.Schedule(ctx, "new.kind", "a", c.Now(), "p")
	tick(t, old)
	// A replica that knows the kind picks it up once its retry is due.
	c.Add(time.Second)
	l := newLoop(t, s, c, "new.kind", cnt.handle)
	tick(t, l)
	if got := cnt.seen(); len(got) != 1 || got[0] != "a=p" {
		t.Fatalf("handler saw %v", got)
	}
}

func TestRestartContinues(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	c := newClock()
	first := loop.New(redisstore.New(srv.Client(t), "t"), loop.Options{Clock: c.Now})
	_ = first.Schedule(ctx, "k", "a", c.Now().Add(time.Minute), "p")
	// The first process goes away; a new one on the same Redis takes over.
	c.Add(2 * time.Minute)
	cnt := &counter{}
	second := newLoop(t, redisstore.New(srv.Client(t), "t"), c, "k", cnt.handle)
	if n := tick(t, second); n != 1 {
		t.Fatalf("new loop ran %d steps, want the 1 left by the old one", n)
	}
}

func TestStepHeldByAnotherReplicaIsLeftAlone(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s, c, cnt := redisstore.New(srv.Client(t), "t"), newClock(), &counter{}
	l := newLoop(t, s, c, "k", cnt.handle)
	due := c.Now()
	_ = l.Schedule(ctx, "k", "a", due, "")
	lock := s.Key("{loop}", "step", "k:a", itoa(due.UnixMilli()))
	if err := s.Client().Set(ctx, lock, "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if n := tick(t, l); n != 0 {
		t.Fatal("ran a step another replica holds")
	}
	// That replica died: its lock expires and the step runs here.
	s.Client().Del(ctx, lock)
	if n := tick(t, l); n != 1 {
		t.Fatal("the step was lost after its holder died")
	}
}

func TestTwoLoopsRunEachStepOnce(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	c := newClock()
	var runs sync.Map
	var total atomic.Int32
	h := func(_ context.Context, id, _ string) error {
		total.Add(1)
		if _, dup := runs.LoadOrStore(id, true); dup {
			t.Errorf("step %s ran twice", id)
		}
		return nil
	}
	a := newLoop(t, redisstore.New(srv.Client(t), "t"), c, "k", h)
	b := newLoop(t, redisstore.New(srv.Client(t), "t"), c, "k", h)
	const n = 200
	for i := 0; i < n; i++ {
		_ = a.Schedule(ctx, "k", itoa(int64(i)), c.Now(), "")
	}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		for _, l := range []*loop.Loop{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = l.Tick(ctx) }()
		}
		wg.Wait()
	}
	if total.Load() != n {
		t.Fatalf("%d runs for %d steps", total.Load(), n)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	s, c, cnt := store(t), newClock(), &counter{}
	l := loop.New(s, loop.Options{Clock: c.Now, Poll: 5 * time.Millisecond})
	_ = l.Handle("k", cnt.handle)
	_ = l.Schedule(context.Background(), "k", "a", c.Now(), "p")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	testenv.Eventually(t, 5*time.Second, func() bool { return len(cnt.seen()) > 0 }, "the first run")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(cnt.seen()) != 1 {
		t.Fatalf("Run ran %v", cnt.seen())
	}
}

func TestHandleRefusesBadKinds(t *testing.T) {
	l := loop.New(redisstore.New(nil, "t"), loop.Options{})
	for _, k := range []string{"", "a:b"} {
		if err := l.Handle(k, func(context.Context, string, string) error { return nil }); err == nil {
			t.Errorf("Handle(%q) accepted", k)
		}
	}
	_ = l.Handle("x", func(context.Context, string, string) error { return nil })
	if err := l.Handle("x", func(context.Context, string, string) error { return nil }); err == nil {
		t.Error("a second handler for one kind was accepted")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestScheduleInPipeline: a step queued on a caller's pipeline is
// scheduled when the pipeline runs (with a script Redis has not seen),
// replaces an earlier schedule like Schedule, and runs with its payload.
func TestScheduleInPipeline(t *testing.T) {
	ctx := context.Background()
	s, c, cnt := store(t), newClock(), &counter{}
	l := newLoop(t, s, c, "k", cnt.handle)
	if err := s.Client().ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	_ = l.Schedule(ctx, "k", "a", c.Now(), "old")
	p := s.Client().Pipeline()
	cmd, err := l.ScheduleIn(ctx, p, "k", "a", c.Now().Add(time.Minute), "piped")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exec(ctx); err != nil || cmd.Err() != nil {
		t.Fatalf("exec: %v, %v", err, cmd.Err())
	}
	if n := tick(t, l); n != 0 {
		t.Fatalf("ran %d steps at the old due time; the pipeline rescheduled it", n)
	}
	c.Add(time.Minute)
	tick(t, l)
	if got := cnt.seen(); len(got) != 1 || got[0] != "a=piped" {
		t.Fatalf("handler saw %v, want [a=piped]", got)
	}
	if _, err := l.ScheduleIn(ctx, s.Client().Pipeline(), "bad:kind", "a", c.Now(), ""); err == nil {
		t.Error("a kind with ':' was queued")
	}
}

// TestStepCutShortByShutdownIsNotAFailure: a handler that ends because
// the loop is stopping (its context cancelled) is not retried with
// backoff nor logged as a failure; the step stays due at its time, with
// no attempt counted, so the next start runs it at once.
func TestStepCutShortByShutdownIsNotAFailure(t *testing.T) {
	s, c := store(t), newClock()
	var logs syncBuf
	started := make(chan struct{})
	l := loop.New(s, loop.Options{Clock: c.Now, Backoff: time.Second, MaxAttempts: 3,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	_ = l.Handle("k", func(ctx context.Context, _, _ string) error {
		close(started)
		<-ctx.Done()
		return fmt.Errorf("record handoff: %w", ctx.Err())
	})
	due := c.Now()
	_ = l.Schedule(context.Background(), "k", "a", due, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _, _ = l.Tick(ctx) }()
	<-started
	cancel()
	<-done
	if strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a step cut short by the stop was logged as a failure:\n%s", logs.String())
	}
	got, ok, err := l.Pending(context.Background(), "k", "a")
	if err != nil || !ok || !got.Equal(due) {
		t.Fatalf("after the stop the step is due %v (pending %v, %v), want still %v", got, ok, err, due)
	}
	// Counted as no attempt: it may still fail MaxAttempts-1 more times
	// and one more before it is dropped.
	var runs atomic.Int32
	l2 := newLoop(t, s, c, "k", func(context.Context, string, string) error { runs.Add(1); return errors.New("down") })
	for range 2 {
		tick(t, l2)
		c.Add(time.Minute)
	}
	if _, ok, _ := l2.Pending(context.Background(), "k", "a"); !ok {
		t.Errorf("the step was dropped after %d failures: the cut-short run counted as an attempt", runs.Load())
	}
}

// syncBuf is a bytes.Buffer safe for the loop's and the test's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
