package change

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"opsbot/bot"
)

// failingSteps is a step loop whose store fails: nothing can be scheduled.
type failingSteps struct{}

func (failingSteps) Schedule(context.Context, string, string, time.Time, string) error {
	return errors.New("redis: connection refused")
}
func (failingSteps) Cancel(context.Context, string, string) error { return nil }

// replica is another opsbot's desk on the env's Redis, runner and clock,
// scheduling with steps.
func (e *env) replica(t *testing.T, steps Scheduler) *Service {
	t.Helper()
	svc, err := New(Config{Channel: "CCHANGES", Expiry: time.Hour}, Deps{Store: e.store, Chat: e.chat, Runner: e.runner, Resolver: e.cat, Actions: e.cat,
		Audit: e.audit, Steps: steps, Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	return svc
}

// finalApproval records bob's final approval and nothing else, as if
// opsbot stopped right after it.
func (e *env) finalApproval(t *testing.T, c *Change) {
	t.Helper()
	now := e.clock.Now()
	if out, _, err := e.svc.st.approve(context.Background(), c.ID, Approval{User: "UBOB", At: now}, 1, now, now); out != "approved" || err != nil {
		t.Fatalf("approve: %s %v", out, err)
	}
}

func TestSweepResumesAChangeApprovedBeforeACrashOnce(t *testing.T) {
	// given a change approved just before opsbot stopped, its run never started
	e := newEnv(t)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 -- crash after approval")
	e.finalApproval(t, c)
	// when a sweep looks within the minute, the run may yet be starting
	e.clock.Add(30 * time.Second)
	if n, err := e.svc.SweepStalled(ctx); n != 0 || err != nil {
		t.Fatalf("swept %d, %v within a minute of the approval", n, err)
	}
	// then two replicas sweeping after the minute start it once between them
	e.clock.Add(90 * time.Second)
	other := e.replica(t, e.loop)
	started := sweepAtOnce(t, e.svc, other, e.svc, other)
	e.settle()
	other.runs.Wait()
	got, _ := e.svc.st.get(ctx, c.ID)
	if started != 1 || got.State != StateSucceeded || e.runner.calls.Load() != 1 || len(e.calls(t)) != 1 {
		t.Fatalf("started %d, state %s, RunMany %d times, systemctl %q", started, got.State, e.runner.calls.Load(), e.calls(t))
	}
	if th := e.thread(c.TS); !strings.Contains(th, "Resuming "+c.ID+" after a restart: it was approved at 2026-03-04 10:00 UTC") {
		t.Errorf("thread: %s", th)
	}
	if !e.audit.Has("change.resume", "ok") {
		t.Errorf("no change.resume audit: %s", e.audit.Detail("change.resume"))
	}
	// and neither the original run, arriving late, nor a later sweep runs it again
	if res := e.svc.execute(ctx, c.ID); !strings.Contains(res, "already succeeded") {
		t.Errorf("late run: %q", res)
	}
	e.clock.Add(time.Minute)
	if n, err := e.svc.SweepStalled(ctx); n != 0 || err != nil {
		t.Errorf("swept %d, %v after the run", n, err)
	}
	if e.runner.calls.Load() != 1 {
		t.Errorf("ran again: %d", e.runner.calls.Load())
	}
}

func TestSweepRunsAWindowWhoseSchedulingFailedOnce(t *testing.T) {
	// given a desk whose step loop fails when a change's window is approved
	e := newEnv(t)
	ctx := context.Background()
	desk := e.replica(t, failingSteps{})
	r, err := ParseRequest("restart nginx on web-1 at 2026-03-04 11:00 for 30m -- kernel update")
	if err != nil {
		t.Fatal(err)
	}
	c, err := desk.Request(ctx, r, "UALICE", bot.RoleOperator, "CGENERAL")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, ""); err == nil || !strings.Contains(bot.UserMessage(err), "could not be scheduled (the state store failed); the change sweep will start it") {
		t.Fatalf("approve: %v", err)
	}
	if got, _ := desk.st.get(ctx, c.ID); got.State != StateApproved {
		t.Fatalf("state %s", got.State)
	}
	// when the sweep looks before the window, and within a minute of its start
	e.clock.Add(59 * time.Minute)
	if n, err := desk.SweepStalled(ctx); n != 0 || err != nil {
		t.Fatalf("swept %d, %v before the window", n, err)
	}
	e.clock.Add(90 * time.Second)
	if n, err := desk.SweepStalled(ctx); n != 0 || err != nil {
		t.Fatalf("swept %d, %v within a minute of the window's start", n, err)
	}
	// then a minute into the window two replicas' sweeps run it once
	e.clock.Add(30 * time.Second)
	started := sweepAtOnce(t, desk, e.svc, desk, e.svc)
	desk.runs.Wait()
	e.settle()
	got, _ := e.svc.st.get(ctx, c.ID)
	if started != 1 || got.State != StateSucceeded || e.runner.calls.Load() != 1 || len(e.calls(t)) != 1 {
		t.Fatalf("started %d, state %s, RunMany %d times, systemctl %q", started, got.State, e.runner.calls.Load(), e.calls(t))
	}
	if th := e.thread(c.TS); !strings.Contains(th, "did not start when its window opened") {
		t.Errorf("thread: %s", th)
	}
	// and nothing runs it again
	e.clock.Add(5 * time.Minute)
	if n, _ := desk.SweepStalled(ctx); n != 0 || e.runner.calls.Load() != 1 {
		t.Errorf("swept %d, RunMany %d times", n, e.runner.calls.Load())
	}
}

func TestSweepExpiresAStalledChangeTooOldToRun(t *testing.T) {
	// given a change approved before a crash, and a windowed one whose
	// step could not be scheduled
	e := newEnv(t)
	ctx := context.Background()
	desk := e.replica(t, failingSteps{})
	c := e.request(t, "restart nginx on web-1 -- crash after approval")
	e.finalApproval(t, c)
	r, err := ParseRequest("restart nginx on web-2 at 2026-03-04 10:30 for 30m -- kernel update")
	if err != nil {
		t.Fatal(err)
	}
	w, err := desk.Request(ctx, r, "UALICE", bot.RoleOperator, "CGENERAL")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Approve(ctx, w.ID, "UBOB", bot.RoleApprover, ""); err == nil {
		t.Fatal("scheduling did not fail")
	}
	// when opsbot comes back after the expiry (an hour) and the window's end
	e.clock.Add(61 * time.Minute)
	n, err := e.svc.SweepStalled(ctx)
	if n != 2 || err != nil {
		t.Fatalf("swept %d, %v", n, err)
	}
	// then neither runs: both expire, saying why
	if e.runner.calls.Load() != 0 {
		t.Fatalf("RunMany %d times", e.runner.calls.Load())
	}
	got, _ := e.svc.st.get(ctx, c.ID)
	want := "not run: approved at 2026-03-04 10:00 UTC, but opsbot stopped before starting it, and an approval older than 1h0m0s is not acted on unattended; request it again"
	if got.State != StateExpired || got.Result != want {
		t.Errorf("state %s result %q", got.State, got.Result)
	}
	if th := e.thread(c.TS); !strings.Contains(th, want) {
		t.Errorf("thread: %s", th)
	}
	gw, _ := e.svc.st.get(ctx, w.ID)
	if gw.State != StateExpired || !strings.HasPrefix(gw.Result, "window missed") {
		t.Errorf("windowed: state %s result %q", gw.State, gw.Result)
	}
	if d := e.audit.Detail("change.expire"); !strings.Contains(d, c.ID+": not run") || !strings.Contains(d, w.ID+": window missed") {
		t.Errorf("audit: %s", d)
	}
	// and they leave the index: a later sweep finds nothing
	if n, err := e.svc.SweepStalled(ctx); n != 0 || err != nil {
		t.Errorf("swept %d, %v again", n, err)
	}
}

// sweepAtOnce runs SweepStalled on every desk at the same time and returns
// how many changes they started between them.
func sweepAtOnce(t *testing.T, desks ...*Service) int {
	t.Helper()
	var started atomic.Int32
	var wg sync.WaitGroup
	for _, svc := range desks {
		wg.Go(func() {
			n, err := svc.SweepStalled(t.Context())
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			started.Add(int32(n))
		})
	}
	wg.Wait()
	return int(started.Load())
}
