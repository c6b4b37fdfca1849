package change

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
)

// lunch is a freeze from 11:00 to 13:00 UTC on the test clock's
// Wednesday, an hour after the clock's 10:00.
func lunch(c *Config, _ *actions.Config, _ *sshexec.Config) {
	c.Freezes = []FreezeConfig{{Name: "lunch", Start: "0 11 * * 3", Duration: 2 * time.Hour}}
}

func twoApprovals(c *Config, _ *actions.Config, _ *sshexec.Config) { c.Approvals = 2 }

func TestEmergencyApprovalCoversOnlyARunInsideItsFreeze(t *testing.T) {
	// given a freeze until 11:00 and a policy of two approvals
	e := newEnv(t, frozen, twoApprovals)
	ctx := context.Background()
	after := e.request(t, "restart nginx on web-1 at 2026-03-04 11:30 for 1h -- after the freeze")
	inside := e.request(t, "restart nginx on web-1 at 2026-03-04 10:30 for 2h -- inside the freeze")
	late := e.request(t, "restart nginx on web-2 at 2026-03-04 10:40 for 2h -- inside, but run late")
	// when an admin approves the change whose window opens after the
	// freeze as an emergency, it is refused: it would run on one approval
	_, err := e.svc.Approve(ctx, after.ID, "UADMIN", bot.RoleAdmin, "site down")
	if bot.ErrorCode(err) != bot.CodeForbidden || !strings.Contains(bot.UserMessage(err), "an emergency approval covers only a run during this freeze (weekend, until 2026-03-04 11:00 UTC)") ||
		!strings.Contains(bot.UserMessage(err), "needs 2 approvals") {
		t.Fatalf("approve after the freeze: %v", err)
	}
	if got, _ := e.svc.st.get(ctx, after.ID); got.State != StateRequested || len(got.Approvals) != 0 {
		t.Errorf("state %s with %d approvals", got.State, len(got.Approvals))
	}
	// then one whose window opens inside the freeze is accepted and runs there
	for _, c := range []*Change{inside, late} {
		if _, err := e.svc.Approve(ctx, c.ID, "UADMIN", bot.RoleAdmin, "site down"); err != nil {
			t.Fatalf("approve %s: %v", c.ID, err)
		}
	}
	e.clock.Add(30 * time.Minute)
	e.loop.Tick(ctx)
	e.settle()
	if got, _ := e.svc.st.get(ctx, inside.ID); got.State != StateSucceeded {
		t.Errorf("inside the freeze: state %s result %q", got.State, got.Result)
	}
	// and one whose run comes only after the freeze (opsbot was down) does
	// not run on the lapsed emergency
	e.clock.Add(40 * time.Minute)
	e.loop.Tick(ctx)
	e.settle()
	got, _ := e.svc.st.get(ctx, late.ID)
	if got.State != StateExpired || !strings.HasPrefix(got.Result, `not run: approved as an emergency during freeze "weekend", which ended at 2026-03-04 11:00 UTC`) || e.runner.calls.Load() != 1 {
		t.Errorf("run after the freeze: state %s result %q, RunMany %d times", got.State, got.Result, e.runner.calls.Load())
	}
}

func TestFreezeHoldsOrExpiresAWindowApprovedBeforeIt(t *testing.T) {
	// given two changes approved at 10:00, before the 11:00–13:00 freeze:
	// one with a window inside it, one with a window that outlasts it
	e := newEnv(t, lunch)
	ctx := context.Background()
	within := e.request(t, "restart nginx on web-1 at 2026-03-04 11:30 for 1h -- inside the freeze")
	outlasts := e.request(t, "restart nginx on web-2 at 2026-03-04 12:30 for 2h -- outlasts the freeze")
	msg, err := e.svc.Approve(ctx, within.ID, "UBOB", bot.RoleApprover, "")
	if err != nil || !strings.Contains(msg, `its window falls in freeze "lunch", which lasts past its end, so it will expire without running`) {
		t.Errorf("approve %s: %q %v", within.ID, msg, err)
	}
	msg, err = e.svc.Approve(ctx, outlasts.ID, "UBOB", bot.RoleApprover, "")
	if err != nil || !strings.Contains(msg, `its window starts in freeze "lunch"; it will wait for the freeze to end at 2026-03-04 13:00 UTC`) {
		t.Errorf("approve %s: %q %v", outlasts.ID, msg, err)
	}
	// when the first window opens inside the freeze, it expires, saying so
	e.clock.Add(90 * time.Minute)
	e.loop.Tick(ctx)
	e.settle()
	got, _ := e.svc.st.get(ctx, within.ID)
	if got.State != StateExpired || !strings.HasPrefix(got.Result, `window falls in freeze "lunch": changes are frozen until 2026-03-04 13:00 UTC, past the end of its window`) {
		t.Errorf("state %s result %q", got.State, got.Result)
	}
	if th := e.thread(within.TS); !strings.Contains(th, "window falls in freeze") {
		t.Errorf("thread: %s", th)
	}
	// and when the second opens inside it, it waits, saying so on its card
	// and in its thread, with its step moved to the freeze's end
	e.clock.Add(time.Hour)
	e.loop.Tick(ctx)
	e.settle()
	got, _ = e.svc.st.get(ctx, outlasts.ID)
	thaw := time.Date(2026, 3, 4, 13, 0, 0, 0, time.UTC)
	if due, ok, _ := e.loop.Pending(ctx, stepRun, outlasts.ID); got.State != StateApproved || !ok || !due.Equal(thaw) {
		t.Fatalf("state %s, step due %s (%v)", got.State, due, ok)
	}
	if th := e.thread(outlasts.TS); !strings.Contains(th, `does not start yet: its window falls in freeze "lunch", which lasts until 2026-03-04 13:00 UTC`) {
		t.Errorf("thread: %s", th)
	}
	if card := blockText(e.lastUpdate(t).Blocks); !strings.Contains(card, "approved, waits for freeze lunch to end at") {
		t.Errorf("card: %s", card)
	}
	if e.runner.calls.Load() != 0 {
		t.Fatalf("ran in the freeze: %d", e.runner.calls.Load())
	}
	// then it runs when the freeze ends, inside its window
	e.clock.Add(30 * time.Minute)
	e.loop.Tick(ctx)
	e.settle()
	got, _ = e.svc.st.get(ctx, outlasts.ID)
	if got.State != StateSucceeded || !got.Started.Equal(thaw) || e.runner.calls.Load() != 1 {
		t.Errorf("state %s started %s, RunMany %d times", got.State, got.Started, e.runner.calls.Load())
	}
	if th := e.thread(outlasts.TS); !strings.Contains(th, `Freeze "lunch" is over; starting `+outlasts.ID+" now") {
		t.Errorf("thread: %s", th)
	}
}

func TestSweepDoesNotStartARunInAFreeze(t *testing.T) {
	// given a change approved at 10:00 whose run never started, and a
	// freeze from 11:00 to 13:00
	e := newEnv(t, lunch, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.Expiry = 4 * time.Hour })
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 -- approved before the freeze")
	e.finalApproval(t, c)
	// when the sweep finds it during the freeze, it waits, and says so once
	for _, at := range []time.Duration{65 * time.Minute, 5 * time.Minute} {
		e.clock.Add(at)
		if n, err := e.svc.SweepStalled(ctx); n != 0 || err != nil {
			t.Fatalf("swept %d, %v in the freeze", n, err)
		}
	}
	e.settle()
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateApproved || e.runner.calls.Load() != 0 {
		t.Fatalf("state %s, RunMany %d times", got.State, e.runner.calls.Load())
	}
	want := `does not start yet: changes are frozen (freeze "lunch") until 2026-03-04 13:00 UTC`
	if th := e.thread(c.TS); strings.Count(th, want) != 1 {
		t.Errorf("thread:\n%s", th)
	}
	// then after the freeze the sweep starts it
	e.clock.Add(112 * time.Minute)
	if n, err := e.svc.SweepStalled(ctx); n != 1 || err != nil {
		t.Fatalf("swept %d, %v after the freeze", n, err)
	}
	e.settle()
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateSucceeded {
		t.Errorf("state %s", got.State)
	}
	if th := e.thread(c.TS); !strings.Contains(th, `Freeze "lunch" is over; starting `+c.ID+" now.") {
		t.Errorf("thread:\n%s", th)
	}
}

func TestFrozenUntil(t *testing.T) {
	// a weekend freeze, and a Monday-morning one that begins as it ends
	pol, errs := Config{Freezes: []FreezeConfig{
		{Name: "a", Start: "0 18 * * 5", Duration: 62 * time.Hour, TimeZone: "Europe/Berlin"},
		{Name: "b", Start: "0 8 * * 1", Duration: 2 * time.Hour, TimeZone: "Europe/Berlin"},
	}}.compile()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	fri := time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC) // 21:00 in Berlin, in a
	// a ends Monday 08:00 Berlin, where b begins: changes thaw at 10:00 Berlin
	if name, until := pol.frozenAt(fri); name != "a" || !until.Equal(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("frozenAt(%s) = %q, %s; want a until Monday 09:00 UTC", fri, name, until)
	}
	if name, _ := pol.frozenAt(time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)); name != "" {
		t.Errorf("Wednesday noon is frozen by %q", name)
	}
	// a freeze that overlaps itself forever is frozen, and the walk ends
	always, _ := Config{Freezes: []FreezeConfig{{Name: "always", Start: "0 * * * *", Duration: 90 * time.Minute}}}.compile()
	if name, until := always.frozenAt(fri); name != "always" || !until.After(fri) {
		t.Errorf("frozenAt = %q, %s", name, until)
	}
}
