package change

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
	"opsbot/internal/testkit"
)

func TestEmergencyOutsideFreezeIsRefused(t *testing.T) {
	// given two approvals needed and no freeze in force
	e := newEnv(t, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.Approvals = 2 })
	ctx := context.Background()
	e.request(t, "restart nginx on web-1 -- fix")
	// when an admin approves as an emergency, it is refused: nothing to override
	_, err := e.svc.Approve(ctx, "CHG-1", "UADMIN", bot.RoleAdmin, "site down")
	if err == nil || !strings.Contains(bot.UserMessage(err), "no change freeze is in force") || !strings.Contains(bot.UserMessage(err), "needs 2 approvals") {
		t.Fatalf("err = %v", err)
	}
	got, _ := e.svc.st.get(ctx, "CHG-1")
	if got.State != StateRequested || len(got.Approvals) != 0 || e.runner.calls.Load() != 0 {
		t.Errorf("state %s, %d approvals, %d runs", got.State, len(got.Approvals), e.runner.calls.Load())
	}
	if d := e.audit.Detail("change.approve"); !strings.Contains(d, "CHG-1 (emergency: site down) [denied]") {
		t.Errorf("audit: %s", d)
	}
}

func TestAuditRecordsReasons(t *testing.T) {
	// given a freeze, a request rejected with a reason and one approved as
	// an emergency
	e := newEnv(t, frozen)
	ctx := context.Background()
	e.request(t, "restart nginx on web-1 -- one")
	e.request(t, "restart nginx on web-1 -- two")
	e.request(t, "restart nginx on web-1 -- three")
	if _, err := e.svc.Reject(ctx, "CHG-1", "UBOB", bot.RoleApprover, "wrong host"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Approve(ctx, "CHG-2", "UADMIN", bot.RoleAdmin, "payments down"); err != nil {
		t.Fatal(err)
	}
	// and one approved after it expired
	e.clock.Add(2 * time.Hour)
	if _, err := e.svc.Approve(ctx, "CHG-3", "UADMIN", bot.RoleAdmin, "late"); err == nil {
		t.Fatal("approved after expiry")
	}
	// then the trail has the reasons and the expiry
	if d := e.audit.Detail("change.reject"); !strings.Contains(d, "CHG-1 — wrong host [ok]") {
		t.Errorf("reject: %s", d)
	}
	if d := e.audit.Detail("change.approve"); !strings.Contains(d, "CHG-2 (emergency: payments down) (final) [ok]") {
		t.Errorf("approve: %s", d)
	}
	if d := e.audit.Detail("change.expire"); !strings.Contains(d, "CHG-3: expired at 2026-03-04 11:00 UTC") {
		t.Errorf("expire: %s", d)
	}
	if d := e.audit.Detail("change.request"); !strings.Contains(d, "— three") {
		t.Errorf("request: %s", d)
	}
}

func TestRejectModalThroughRouter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := testkit.Router(t, map[string]string{"UALICE": "operator", "UBOB": "approver", "UVIEW": "viewer"}, e.svc)
	c := e.request(t, "restart nginx on web-1 -- to reject")
	submit := func(user, reason string) (*bot.Reply, error) {
		return r.Dispatch(ctx, &bot.Request{UserID: user, View: &bot.ViewSubmission{CallbackID: "change.reject", PrivateMetadata: c.ID,
			Values: map[string]map[string]string{"reason": {"reason": reason}}}})
	}
	// a viewer's submission is refused by the route's role
	if _, err := submit("UVIEW", "no"); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Fatalf("viewer: %v", err)
	}
	// bob opens the form from the button and submits a reason
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "UBOB", Action: &bot.Action{ID: "change.reject", Value: c.ID}})
	if err != nil || rep.View == nil || rep.View.CallbackID != "change.reject" {
		t.Fatalf("button: %+v %v", rep, err)
	}
	rep, err = submit("UBOB", "  the config is not reviewed  ")
	if err != nil || !strings.Contains(rep.Text, c.ID+" is rejected") {
		t.Fatalf("submit: %+v %v", rep, err)
	}
	got, _ := e.svc.st.get(ctx, c.ID)
	if got.State != StateRejected || got.RejectReason != "the config is not reviewed" || got.DecidedBy != "UBOB" {
		t.Errorf("state %s reason %q by %s", got.State, got.RejectReason, got.DecidedBy)
	}
	if txt := blockText(e.lastUpdate(t).Blocks); !strings.Contains(txt, `Rejected by \u003c@UBOB\u003e: the config is not reviewed`) || strings.Contains(txt, "change.approve") {
		t.Errorf("message: %s", txt)
	}
	if d := e.audit.Detail("change.reject"); !strings.Contains(d, "the config is not reviewed") {
		t.Errorf("audit: %s", d)
	}
	// and a second submission finds it already rejected
	if _, err := submit("UBOB", "again"); bot.ErrorCode(err) != bot.CodeConflict {
		t.Errorf("second reject: %v", err)
	}
}

func TestTwoApprovals(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.Approvals = 2 })
	ctx := context.Background()
	c := e.request(t, "restart nginx on web-1 -- needs two")
	// the first approval leaves it pending, 1 of 2
	msg, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, "")
	if err != nil || msg != "You approved CHG-1 (1 of 2 approvals)." {
		t.Fatalf("first: %q %v", msg, err)
	}
	if got, _ := e.svc.st.get(ctx, c.ID); got.State != StateRequested || e.runner.calls.Load() != 0 {
		t.Fatalf("state %s after one approval, %d runs", got.State, e.runner.calls.Load())
	}
	if txt := blockText(e.lastUpdate(t).Blocks); !strings.Contains(txt, `Approvals 1/2: \u003c@UBOB\u003e`) {
		t.Errorf("message: %s", txt)
	}
	// the same approver twice is refused
	if _, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, ""); err == nil || !strings.Contains(bot.UserMessage(err), "you already approved") {
		t.Fatalf("second by bob: %v", err)
	}
	// a second approver runs it
	msg, err = e.svc.Approve(ctx, c.ID, "UCAROL", bot.RoleApprover, "")
	if err != nil || !strings.Contains(msg, "it ran: succeeded") || e.runner.calls.Load() != 1 {
		t.Fatalf("carol: %q %v, %d runs", msg, err, e.runner.calls.Load())
	}
	got, _ := e.svc.st.get(ctx, c.ID)
	if len(got.Approvals) != 2 || got.DecidedBy != "UCAROL" {
		t.Errorf("approvals %+v decided by %s", got.Approvals, got.DecidedBy)
	}
}

func TestLongChangeOutputIsAFileWithANote(t *testing.T) {
	e := newEnv(t)
	c := e.request(t, "spew on web -- a long report")
	if _, err := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	if len(e.chat.Uploads()) != 1 {
		t.Fatalf("%d uploads", len(e.chat.Uploads()))
	}
	f := e.chat.Uploads()[0].File
	if f.Name != "chg-1-output.txt" || strings.Count(string(f.Content), "line 399 of a long report") != 3 {
		t.Errorf("upload %s:\n%.300s", f.Name, f.Content)
	}
	th := e.thread(c.TS)
	if strings.Count(th, "CHG-1 output is long (") != 1 || !strings.Contains(th, "attached as chg-1-output.txt") || strings.Contains(th, "line 399") {
		t.Errorf("thread:\n%s", th)
	}
}

func TestRollingBatchesStopAndReportSkipped(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	deadFirst := func(a *actions.Config) {
		a.Hosts = append([]actions.HostConfig{{Name: "web-0", Address: "127.0.0.1", Port: closed, Groups: []string{"web"}, Env: "prod"}}, a.Hosts...)
	}
	tests := []struct {
		name   string
		policy func(*Config)
		state  string
		result string
		ran    int
	}{
		// batches of one; the dead host fails the first, the rest are skipped
		{name: "stop_after_failures", policy: func(c *Config) { c.BatchSize, c.StopAfterFailures = 1, 1 },
			state: StateFailed, result: "0 succeeded, 1 failed, 3 skipped", ran: 0},
		// batches of two: 1 of 2 failed is above a quarter, so the second batch is skipped
		{name: "stop_above_fraction", policy: func(c *Config) { c.BatchSize, c.StopAboveFraction = 2, 0.25 },
			state: StatePartiallyFailed, result: "1 succeeded, 1 failed, 2 skipped", ran: 1},
		// no threshold: every batch runs
		{name: "no threshold", policy: func(c *Config) { c.BatchSize = 1 },
			state: StatePartiallyFailed, result: "3 succeeded, 1 failed, 0 skipped", ran: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config, a *actions.Config, _ *sshexec.Config) { tt.policy(c); deadFirst(a) })
			c := e.request(t, "restart nginx on web -- rolling")
			if _, err := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
				t.Fatal(err)
			}
			got, _ := e.svc.st.get(context.Background(), c.ID)
			if got.State != tt.state || !strings.HasPrefix(got.Result, tt.result) {
				t.Errorf("state %s result %q, want %s %q", got.State, got.Result, tt.state, tt.result)
			}
			if n := len(e.calls(t)); n != tt.ran {
				t.Errorf("systemctl ran %d times, want %d", n, tt.ran)
			}
			th := e.thread(c.TS)
			if skipped := strings.Count(th, "skipped: the run stopped before this host"); skipped != 3-tt.ran {
				t.Errorf("%d hosts reported skipped, want %d:\n%s", skipped, 3-tt.ran, th)
			}
			if tt.ran < 3 && !strings.Contains(got.Result, "(stopped: ") {
				t.Errorf("result does not say why it stopped: %q", got.Result)
			}
		})
	}
}
