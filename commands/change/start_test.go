package change

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/integrations/testenv"
)

// failClaims makes the state store fail the approved→running step while
// armed, as Redis going away between the final approval and the run.
type failClaims struct{ armed atomic.Bool }

func (f *failClaims) DialHook(next redis.DialHook) redis.DialHook { return next }
func (f *failClaims) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (f *failClaims) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if a := cmd.Args(); f.armed.Load() && len(a) > 8 && a[7] == StateApproved && a[8] == StateRunning {
			err := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func TestStoreFailureAtTheRunsStartIsToldAndSweptTruthfully(t *testing.T) {
	// given a change, and a state store that fails the step from approved
	// to running
	e := newEnv(t)
	ctx := context.Background()
	hook := &failClaims{}
	e.store.Client().AddHook(hook)
	c := e.request(t, "restart nginx on web-1 -- store fails at the start")
	hook.armed.Store(true)
	// when bob gives the final approval
	_, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, "")
	// then he is told it is approved but did not start, and why, and what
	// happens next; the trail records a failure, and nothing ran
	if bot.ErrorCode(err) != bot.CodeUnavailable || !strings.Contains(bot.UserMessage(err), c.ID+" is approved, but its run could not be started: the state store is unavailable") ||
		!strings.Contains(bot.UserMessage(err), "The change sweep starts it within about two minutes of the state store answering again") {
		t.Fatalf("approve: %v", err)
	}
	if !e.audit.Has("change.start", "error") || e.audit.Has("change.execute", "started") || e.runner.calls.Load() != 0 {
		t.Errorf("audit %s, RunMany %d times", e.audit.Detail("change.start"), e.runner.calls.Load())
	}
	// and once Redis answers, another replica's sweep starts it and says
	// what really happened
	hook.armed.Store(false)
	testenv.Eventually(t, 10*time.Second, func() bool {
		got, err := e.svc.st.get(ctx, c.ID)
		return err == nil && got.StartError != ""
	}, "the reason to reach Redis")
	e.clock.Add(90 * time.Second)
	other := e.replica(t, e.loop)
	if n, err := other.SweepStalled(ctx); n != 1 || err != nil {
		t.Fatalf("swept %d, %v", n, err)
	}
	other.runs.Wait()
	got, _ := e.svc.st.get(ctx, c.ID)
	th := e.thread(c.TS)
	if got.State != StateSucceeded || e.runner.calls.Load() != 1 {
		t.Fatalf("state %s, RunMany %d times", got.State, e.runner.calls.Load())
	}
	if !strings.Contains(th, "Starting CHG-1 now: its run could not be started at its final approval at 2026-03-04 10:00 UTC (the state store was unavailable).") || strings.Contains(th, "opsbot stopped") {
		t.Errorf("thread:\n%s", th)
	}
}

func TestApprovedChangeMayBeCancelledBeforeItsRun(t *testing.T) {
	// given a change whose run did not start after its final approval
	e := newEnv(t)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 -- cancel after a failed start")
	e.finalApproval(t, c)
	// when its requester cancels it, the sweep does not run it
	if msg, err := e.svc.Cancel(ctx, c.ID, "UALICE", bot.RoleOperator); err != nil || !strings.Contains(msg, "will not run") {
		t.Fatalf("cancel: %q %v", msg, err)
	}
	e.clock.Add(2 * time.Minute)
	if n, err := e.svc.SweepStalled(ctx); n != 0 || err != nil || e.runner.calls.Load() != 0 {
		t.Errorf("swept %d, %v, RunMany %d times", n, err, e.runner.calls.Load())
	}
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateCancelled {
		t.Errorf("state %s", got.State)
	}
}
