package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// replica is one opsbot's loop and scheduler on the shared Redis.
type replica struct {
	loop *loop.Loop
	s    *Scheduler
}

func newReplica(t *testing.T, store *redisstore.Store, c *testkit.Clock, jobs ...bot.Job) *replica {
	t.Helper()
	l := loop.New(store, loop.Options{Clock: c.Now})
	s := New(store, l, Options{Clock: c.Now, Panics: bot.NewPanics(prometheus.NewRegistry(), slog.New(slog.DiscardHandler))})
	for _, j := range jobs {
		if err := s.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Wait)
	return &replica{loop: l, s: s}
}

// counter counts runs per occurrence.
type counter struct {
	mu   sync.Mutex
	runs map[time.Time]int
	last bot.JobRun
}

func (c *counter) run(_ context.Context, r bot.JobRun) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[time.Time]int{}
	}
	c.runs[r.Due]++
	c.last = r
	return nil
}

func (c *counter) snapshot() (map[time.Time]int, bot.JobRun) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[time.Time]int, len(c.runs))
	for k, v := range c.runs {
		out[k] = v
	}
	return out, c.last
}

// tickAll polls every replica's loop at once, as replicas do, and waits
// for the runs they started.
func tickAll(t *testing.T, rs []*replica) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() {
			if _, err := r.loop.Tick(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, r := range rs {
		r.s.Wait()
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Three replicas on one real Redis, 1,000 occurrences: each runs exactly
// once, whichever replica claims it.
func TestEachOccurrenceRunsOnceAcrossReplicas(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	c := testkit.NewClock(t0)
	var n counter
	job := bot.Job{Name: "tick", Schedule: "@every 1m", Run: n.run}
	rs := []*replica{newReplica(t, store, c, job), newReplica(t, store, c, job), newReplica(t, store, c, job)}
	const occurrences = 1000
	for range occurrences {
		c.Add(time.Minute)
		tickAll(t, rs)
	}
	runs, _ := n.snapshot()
	if len(runs) != occurrences {
		t.Fatalf("%d occurrences ran, want %d", len(runs), occurrences)
	}
	for due, k := range runs {
		if k != 1 {
			t.Errorf("occurrence %s ran %d times", due.Format(time.RFC3339), k)
		}
	}
	hist, err := rs[0].s.History(context.Background(), "tick", 5)
	if err != nil || len(hist) != 5 || hist[0].Outcome != outcomeOK || !hist[0].Due.Equal(t0.Add(occurrences*time.Minute)) {
		t.Errorf("history = %+v, %v", hist, err)
	}
}

// A run cut off with its replica (its end never recorded) does not block
// the next occurrence; it is recorded interrupted once its timeout passed.
func TestARunKilledMidwayDoesNotBlockTheNext(t *testing.T) {
	srv := redistest.Start(t)
	c := testkit.NewClock(t0)
	var n counter
	hang := make(chan struct{})
	defer close(hang)
	// The doomed replica's job hangs, and its Redis client is closed
	// under it, as when the process dies: it can record nothing more.
	doomedClient := srv.Client(t)
	doomed := newReplica(t, redisstore.New(doomedClient, "t"), c, bot.Job{Name: "backup", Schedule: "*/5 * * * *", Timeout: time.Minute,
		Run: func(ctx context.Context, r bot.JobRun) error { <-hang; return nil }})
	c.Add(5 * time.Minute)
	if _, err := doomed.loop.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = doomedClient.Close()

	live := newReplica(t, redisstore.New(srv.Client(t), "t"), c, bot.Job{Name: "backup", Schedule: "*/5 * * * *", Timeout: time.Minute, Run: n.run})
	c.Add(5 * time.Minute)
	tickAll(t, []*replica{live})
	runs, _ := n.snapshot()
	if runs[t0.Add(10*time.Minute)] != 1 {
		t.Fatalf("the next occurrence did not run after the killed one: %v", runs)
	}
	hist, err := live.s.History(context.Background(), "backup", 5)
	if err != nil || len(hist) != 2 || hist[0].Outcome != outcomeOK || hist[1].Outcome != outcomeInterrupted || !hist[1].Due.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("history = %+v, %v; want the 00:10 run ok and the 00:05 one interrupted", hist, err)
	}
}

// Occurrences missed while every replica was down: catch_up latest runs
// the latest once, saying how many it stands in for; none skips them.
func TestCatchUpAfterDowntime(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	c := testkit.NewClock(t0)
	var latest, none counter
	r := newReplica(t, store, c,
		bot.Job{Name: "summary", Schedule: "0 * * * *", Run: latest.run},
		bot.Job{Name: "cleanup", Schedule: "0 * * * *", CatchUp: "none", Run: none.run})
	c.Add(10*time.Hour + 30*time.Minute) // down from 00:00 to 10:30: 01:00 … 10:00 missed
	tickAll(t, []*replica{r})
	runs, last := latest.snapshot()
	if len(runs) != 1 || !last.Due.Equal(t0.Add(10*time.Hour)) || last.Missed != 9 {
		t.Errorf("catch_up latest ran %v, last %+v; want one run for 10:00 standing in for 9 more", runs, last)
	}
	if runs, _ := none.snapshot(); len(runs) != 0 {
		t.Errorf("catch_up none ran %v", runs)
	}
	hist, _ := r.s.History(context.Background(), "cleanup", 1)
	if len(hist) != 1 || hist[0].Outcome != outcomeMissed {
		t.Errorf("cleanup history = %+v, want the missed occurrences recorded", hist)
	}
	// Both are back on schedule: 11:00 runs once each.
	c.Add(30 * time.Minute)
	tickAll(t, []*replica{r})
	if runs, _ := latest.snapshot(); runs[t0.Add(11*time.Hour)] != 1 {
		t.Errorf("11:00 did not run after the catch-up: %v", runs)
	}
	if runs, _ := none.snapshot(); runs[t0.Add(11*time.Hour)] != 1 {
		t.Errorf("catch_up none did not run at 11:00: %v", runs)
	}
}

// A run that panics or times out is recorded failed or timeout, and the
// next occurrence runs; a paused job skips its occurrences but runs by
// hand.
func TestFailuresPausesAndRunsByHand(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	c := testkit.NewClock(t0)
	var calls atomic.Int32
	r := newReplica(t, store, c,
		bot.Job{Name: "flaky", Schedule: "@hourly", Run: func(context.Context, bot.JobRun) error {
			if calls.Add(1) == 1 {
				var m map[string]*int
				_ = *m["nil"] // a bug: panics
			}
			return nil
		}},
		bot.Job{Name: "slow", Schedule: "@hourly", Timeout: 50 * time.Millisecond, Run: func(ctx context.Context, _ bot.JobRun) error {
			<-ctx.Done()
			return ctx.Err()
		}})
	ctx := context.Background()
	c.Add(time.Hour)
	tickAll(t, []*replica{r})
	c.Add(time.Hour)
	tickAll(t, []*replica{r})
	flaky, _ := r.s.History(ctx, "flaky", 2)
	if len(flaky) != 2 || flaky[1].Outcome != outcomeFailed || flaky[0].Outcome != outcomeOK {
		t.Errorf("flaky history = %+v; want the panic failed and the next run ok", flaky)
	}
	slow, _ := r.s.History(ctx, "slow", 1)
	if len(slow) != 1 || slow[0].Outcome != outcomeTimeout {
		t.Errorf("slow history = %+v, want timeout", slow)
	}

	if err := r.s.SetPaused(ctx, "flaky", true); err != nil {
		t.Fatal(err)
	}
	before := calls.Load()
	c.Add(time.Hour)
	tickAll(t, []*replica{r})
	if calls.Load() != before {
		t.Error("a paused job ran on its schedule")
	}
	if err := r.s.RunNow(ctx, "flaky", "U1"); err != nil {
		t.Fatal(err)
	}
	r.s.Wait()
	if calls.Load() != before+1 {
		t.Error("a paused job did not run by hand")
	}
	hist, _ := r.s.History(ctx, "flaky", 1)
	if len(hist) != 1 || hist[0].By != "U1" {
		t.Errorf("run by hand recorded as %+v", hist)
	}
	if err := r.s.RunNow(ctx, "nope", "U1"); !errors.Is(err, ErrNoJob) {
		t.Errorf("RunNow(nope) = %v", err)
	}
	list, err := r.s.List(ctx)
	if err != nil || len(list) != 2 || !list[0].Paused || list[1].Paused || list[0].Last == nil || !list[0].Next.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("List = %+v, %v", list, err)
	}
}

func TestParseSaysWhatToWrite(t *testing.T) {
	for _, bad := range []struct{ schedule, zone string }{{"every day", ""}, {"0 25 * * *", ""}, {"@daily", "Mars/Base"}} {
		if _, _, err := Parse(bad.schedule, bad.zone); err == nil {
			t.Errorf("Parse(%q, %q) accepted", bad.schedule, bad.zone)
		}
	}
	s, loc, err := Parse("0 8 * * 1-5", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Friday 2026-01-02 09:00 Berlin → next is Monday 2026-01-05 08:00 Berlin.
	next := s.Next(time.Date(2026, 1, 2, 9, 0, 0, 0, loc))
	if want := time.Date(2026, 1, 5, 8, 0, 0, 0, loc); !next.Equal(want) {
		t.Errorf("next = %v, want %v", next, want)
	}
}

// The jobs section names the job and key of each problem.
func TestConfigValidateNamesJobAndKey(t *testing.T) {
	errs := Config{"change-sweep": {Schedule: "every day", Zone: "Mars/Base", CatchUp: "sometimes", Timeout: -time.Second}}.Validate()
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	for _, want := range []string{"change-sweep.schedule: schedule \"every day\"", "change-sweep.zone: zone \"Mars/Base\"", "change-sweep.catch_up", "change-sweep.timeout"} {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem starting %q in %q", want, got)
		}
	}
}
