package change

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
	"opsbot/internal/testkit"
)

func inBerlin(c *Config, _ *actions.Config, _ *sshexec.Config) { c.TimeZone = "Europe/Berlin" }

func TestWindowRunsOnceAtItsStart(t *testing.T) {
	// given a change for a window in Berlin time, 12:00 CET = 11:00 UTC,
	// requested at 10:00 UTC
	e := newEnv(t, inBerlin)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 at 2026-03-04 12:00 for 30m -- kernel update")
	start := time.Date(2026, 3, 4, 11, 0, 0, 0, time.UTC)
	if !c.WindowStart.Equal(start) || !c.WindowEnd.Equal(start.Add(30*time.Minute)) || !c.Expires.Equal(c.WindowEnd) {
		t.Fatalf("window %s–%s, expires %s", c.WindowStart, c.WindowEnd, c.Expires)
	}
	// The card shows the window as <!date> times, falling back to Berlin's.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	window := blockText([]string{blocks.Date(start, berlin) + " – " + blocks.Date(start.Add(30*time.Minute), berlin) + "; runs at its start once approved"})
	if txt := blockText(e.chat.Posts()[0].Msg.Blocks); !strings.Contains(txt, strings.Trim(window, `["]`)) || !strings.Contains(txt, "|2026-03-04 12:00 CET") {
		t.Errorf("message does not show the window %s: %s", window, txt)
	}
	// when bob approves before the window
	msg, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, "")
	if err != nil || !strings.Contains(msg, "will run at the start of its window, 2026-03-04 12:00–12:30 CET") {
		t.Fatalf("approve: %q %v", msg, err)
	}
	// then it waits, approved, with a step due at the window's start
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateApproved {
		t.Fatalf("state %s", got.State)
	}
	if due, ok, err := e.loop.Pending(ctx, stepRun, c.ID); err != nil || !ok || !due.Equal(start) {
		t.Fatalf("step due %s, scheduled %v, %v", due, ok, err)
	}
	if txt := blockText(e.lastUpdate(t).Blocks); !strings.Contains(txt, "approved, runs at its start") {
		t.Errorf("message after approval: %s", txt)
	}
	e.clock.Add(59 * time.Minute)
	if n, _ := e.loop.Tick(ctx); n != 0 || e.runner.calls.Load() != 0 {
		t.Fatalf("ran %d steps before the window", n)
	}
	// and at the window two replicas' loops race for the step: one runs it
	e.clock.Add(time.Minute)
	other := e.newLoop(t)
	testkit.Steps(t, other.Handle, e.svc)
	var wg sync.WaitGroup
	for _, l := range []interface {
		Tick(context.Context) (int, error)
	}{e.loop, other, e.loop, other} {
		wg.Go(func() { l.Tick(ctx) })
	}
	wg.Wait()
	e.settle()
	got, _ := e.svc.st.get(ctx, c.ID)
	if got.State != StateSucceeded || e.runner.calls.Load() != 1 || len(e.calls(t)) != 1 {
		t.Fatalf("state %s, RunMany %d times, systemctl %q", got.State, e.runner.calls.Load(), e.calls(t))
	}
	if !got.Started.Equal(start) {
		t.Errorf("started %s, want %s", got.Started, start)
	}
	// and nothing runs it again
	e.clock.Add(10 * time.Minute)
	e.loop.Tick(ctx)
	e.settle()
	if e.runner.calls.Load() != 1 {
		t.Errorf("ran again: %d", e.runner.calls.Load())
	}
	if _, ok, _ := e.loop.Pending(ctx, stepRun, c.ID); ok {
		t.Error("the step is still scheduled")
	}
}

func TestWindowMissedWhileDown(t *testing.T) {
	// given a change approved for 12:00–13:00 CET (11:00 UTC)
	e := newEnv(t, inBerlin)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 at 2026-03-04 12:00 -- patch")
	if _, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	// when opsbot comes back only after the window has ended
	e.clock.Add(2 * time.Hour)
	if n, err := e.loop.Tick(ctx); n != 1 || err != nil {
		t.Fatalf("ticked %d, %v", n, err)
	}
	e.settle()
	// then it did not run, it expired as "window missed", and says so
	got, _ := e.svc.st.get(ctx, c.ID)
	if got.State != StateExpired || !strings.HasPrefix(got.Result, "window missed") || e.runner.calls.Load() != 0 {
		t.Fatalf("state %s result %q, runs %d", got.State, got.Result, e.runner.calls.Load())
	}
	last := blockText(e.lastUpdate(t).Blocks)
	if !strings.Contains(last, "window missed: opsbot was not running during 2026-03-04 12:00–13:00 CET") || strings.Contains(last, "without enough approvals") {
		t.Errorf("message: %s", last)
	}
	if d := e.audit.Detail("change.expire"); !strings.Contains(d, c.ID+": window missed") {
		t.Errorf("audit: %s", d)
	}
}

func TestWindowAlreadyOpenRunsAtOnce(t *testing.T) {
	e := newEnv(t)
	c := e.request(t, "restart nginx on web-1 at 2026-03-04 09:30 for 1h -- open window")
	msg, err := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, "")
	if err != nil || !strings.Contains(msg, "it ran: succeeded") || e.runner.calls.Load() != 1 {
		t.Fatalf("approve: %q %v, runs %d", msg, err, e.runner.calls.Load())
	}
}

func TestCancelApprovedBeforeWindow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 at 2026-03-04 11:00 -- later")
	if _, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(ctx, c.ID, "UCAROL", bot.RoleApprover); err == nil {
		t.Error("a stranger cancelled")
	}
	msg, err := e.svc.Cancel(ctx, c.ID, "UALICE", bot.RoleOperator)
	if err != nil || !strings.Contains(msg, "will not run") {
		t.Fatalf("cancel: %q %v", msg, err)
	}
	if _, ok, _ := e.loop.Pending(ctx, stepRun, c.ID); ok {
		t.Error("the run is still scheduled")
	}
	e.clock.Add(time.Hour)
	e.loop.Tick(ctx)
	e.settle()
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateCancelled || e.runner.calls.Load() != 0 {
		t.Errorf("state %s, runs %d", got.State, e.runner.calls.Load())
	}
}

func TestWindowRefusals(t *testing.T) {
	e := newEnv(t)
	for text, want := range map[string]string{
		"restart nginx on web-1 at 2026-03-04 08:00 for 1h -- late": "has already ended",
		"restart nginx on web-1 at tomorrow 02:00 -- x":             "is not a window start",
		"restart nginx on web-1 at 2026-03-05 02:00 for 25h -- x":   "at most 24h",
		"restart nginx on web-1 at 2026-03-05 -- x":                 "only a window may follow",
		"restart nginx on web-1 at 2026-03-05 02:00 for soon -- x":  "not a window length",
		"restart nginx on web-1 now please -- x":                    "only a window may follow",
	} {
		r, err := ParseRequest(text)
		if err == nil {
			_, err = e.svc.Request(context.Background(), r, "UALICE", bot.RoleOperator, "C1")
		}
		if err == nil || !strings.Contains(bot.UserMessage(err), want) {
			t.Errorf("%q: err %v, want %q", text, err, want)
		}
	}
	if len(e.chat.Posts()) != 0 {
		t.Error("a refused request was posted")
	}
}

func TestInterruptedRunIsMarkedFailed(t *testing.T) {
	// given a change that opsbot claimed and then stopped while running
	e := newEnv(t, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.RunTimeout = 10 * time.Minute })
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 -- crash test")
	if out, _, err := e.svc.st.approve(ctx, c.ID, Approval{User: "UBOB", At: e.clock.Now()}, 1, e.clock.Now(), e.clock.Now()); out != "approved" || err != nil {
		t.Fatalf("approve: %s %v", out, err)
	}
	if ok, err := e.svc.claim(ctx, c.ID); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	// when the sweep looks within its run timeout, it leaves it alone
	e.clock.Add(10 * time.Minute)
	if n, err := e.svc.SweepInterrupted(ctx); n != 0 || err != nil {
		t.Fatalf("swept %d, %v within the timeout", n, err)
	}
	// then past the timeout (and a minute's grace) it is failed as interrupted
	e.clock.Add(61 * time.Second)
	if n, err := e.svc.SweepInterrupted(ctx); n != 1 || err != nil {
		t.Fatalf("swept %d, %v", n, err)
	}
	got, _ := e.svc.st.get(ctx, c.ID)
	if got.State != StateFailed || got.Result != interrupted {
		t.Errorf("state %s result %q", got.State, got.Result)
	}
	if txt := blockText(e.lastUpdate(t).Blocks); !strings.Contains(txt, "interrupted: opsbot stopped during the run; check the hosts") {
		t.Errorf("message: %s", txt)
	}
	if th := e.thread(c.TS); !strings.Contains(th, "still running 11m") {
		t.Errorf("thread: %s", th)
	}
	if !e.audit.Has("change.execute", StateFailed) {
		t.Errorf("audit: %s", e.audit.Detail("change.execute"))
	}
	if n, _ := e.svc.SweepInterrupted(ctx); n != 0 {
		t.Errorf("swept again: %d", n)
	}
}

func TestWindowFromTheForm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := testkit.Router(t, map[string]string{"UALICE": "operator"}, e.svc)
	submit := func(window string) (*bot.Reply, error) {
		return r.Dispatch(ctx, &bot.Request{UserID: "UALICE", Channel: "CGENERAL", View: &bot.ViewSubmission{CallbackID: "change.new",
			Values: map[string]map[string]string{"action": {"action": "restart nginx"}, "target": {"target": "web-1"},
				"window": {"window": window}, "reason": {"reason": "via form"}}}})
	}
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "UALICE", Text: "change new"})
	if err != nil || !strings.Contains(blockText(rep.View.Blocks.BlockSet), `"block_id":"window"`) {
		t.Fatalf("form has no window field: %v", err)
	}
	rep, err = submit("2026-03-04 11:00 for 30m")
	if err != nil || !strings.Contains(rep.Text, "runs in its window, 2026-03-04 11:00–11:30 UTC") {
		t.Fatalf("submit: %+v %v", rep, err)
	}
	if c, _ := e.svc.st.get(ctx, "CHG-1"); c.WindowEnd.IsZero() {
		t.Error("no window stored")
	}
	if rep, _ := r.Dispatch(ctx, &bot.Request{UserID: "UALICE", Text: "change list"}); !strings.Contains(rep.Text, "requested · window 2026-03-04 11:00–11:30 UTC") {
		t.Errorf("list: %s", rep.Text)
	}
	for _, bad := range []string{"at 2026-03-04 07:00", "tonight"} {
		rep, err = submit(bad)
		if err != nil || rep.ViewErrors["window"] == "" {
			t.Errorf("%q: %+v %v", bad, rep, err)
		}
	}
	rep, err = submit("")
	if err != nil || !strings.Contains(rep.Text, "CHG-2 is requested") || strings.Contains(rep.Text, "window") {
		t.Errorf("without a window: %+v %v", rep, err)
	}
}

func TestStoppedDeskLeavesTheRunToTheNextStart(t *testing.T) {
	// given a change approved for a window, and a desk that is stopping
	e := newEnv(t)
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 at 2026-03-04 11:00 -- after restart")
	if _, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	// when its window comes, the stopping desk does not start it
	e.clock.Add(time.Hour)
	e.loop.Tick(ctx)
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateApproved || e.runner.calls.Load() != 0 {
		t.Fatalf("state %s, runs %d", got.State, e.runner.calls.Load())
	}
	if _, ok, _ := e.loop.Pending(ctx, stepRun, c.ID); !ok {
		t.Fatal("the step was dropped")
	}
	// then the next start's desk runs it once the retry is due
	d := e.svc.d
	d.Metrics = nil // the next process has its own registry
	next, err := New(Config{Channel: "CCHANGES", Expiry: time.Hour}, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(next.Wait)
	l := e.newLoop(t)
	if err := l.Handle(stepRun, next.Steps()[stepRun]); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	if n, _ := l.Tick(ctx); n != 1 {
		t.Fatalf("ran %d steps", n)
	}
	next.runs.Wait()
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateSucceeded || e.runner.calls.Load() != 1 {
		t.Errorf("state %s, runs %d", got.State, e.runner.calls.Load())
	}
}
