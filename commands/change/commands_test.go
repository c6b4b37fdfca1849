package change

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
	"opsbot/internal/testkit"
)

func TestCommandsRequestButtonsAndModals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := testkit.Router(t, map[string]string{"UALICE": "operator", "UBOB": "approver", "UCAROL": "approver"}, e.svc)
	send := func(user, text string) (*bot.Reply, error) {
		return r.Dispatch(ctx, &bot.Request{UserID: user, Channel: "CGENERAL", Text: text})
	}
	// given alice requests a restart with an em dash before the reason
	rep, err := send("UALICE", "change request restart nginx on web-1 — deploy fix")
	if err != nil || !strings.Contains(rep.Text, "CHG-1 is requested") {
		t.Fatalf("%v %v", rep, err)
	}
	// when bob opens the reject form from the button and submits no reason
	rep, err = r.Dispatch(ctx, &bot.Request{UserID: "UBOB", Action: &bot.Action{ID: "change.reject", Value: "CHG-1"}})
	if err != nil || rep.View == nil || rep.View.PrivateMetadata != "CHG-1" {
		t.Fatalf("reject button: %+v %v", rep, err)
	}
	rep, err = r.Dispatch(ctx, &bot.Request{UserID: "UBOB", View: &bot.ViewSubmission{CallbackID: "change.reject", PrivateMetadata: "CHG-1",
		Values: map[string]map[string]string{"reason": {"reason": ""}}}})
	if err != nil || rep.ViewErrors["reason"] == "" {
		t.Fatalf("empty reason accepted: %+v %v", rep, err)
	}
	// and alice clicks Approve on her own change
	_, err = r.Dispatch(ctx, &bot.Request{UserID: "UALICE", Action: &bot.Action{ID: "change.approve", Value: "CHG-1"}})
	if bot.ErrorCode(err) != bot.CodeForbidden {
		t.Fatalf("self approval: %v", err)
	}
	// then carol approves by button, and it runs with output in the thread
	rep, err = r.Dispatch(ctx, &bot.Request{UserID: "UCAROL", Action: &bot.Action{ID: "change.approve", Value: "CHG-1"}})
	if err != nil || !strings.Contains(rep.Text, "succeeded") {
		t.Fatalf("approve: %+v %v", rep, err)
	}
	if th := e.thread(e.chat.Posts()[0].TS); !strings.Contains(th, "restarted nginx") {
		t.Errorf("thread: %s", th)
	}
	// and list, show and home tell the story
	rep, _ = send("UALICE", "change list recent")
	if !strings.Contains(rep.Text, "CHG-1") || !strings.Contains(rep.Text, "succeeded") {
		t.Errorf("list: %s", rep.Text)
	}
	rep, _ = send("UBOB", "change show chg-1")
	if len(rep.Blocks) == 0 {
		t.Error("show has no blocks")
	}
	// a modal request, then the home section of an approver
	rep, err = send("UALICE", "change new")
	if err != nil || rep.View == nil || rep.View.CallbackID != "change.new" {
		t.Fatalf("change new: %+v %v", rep, err)
	}
	rep, err = r.Dispatch(ctx, &bot.Request{UserID: "UALICE", Channel: "CGENERAL", View: &bot.ViewSubmission{CallbackID: "change.new",
		Values: map[string]map[string]string{"action": {"action": "restart nginx"}, "target": {"target": "web"}, "reason": {"reason": "via form"}}}})
	if err != nil || !strings.Contains(rep.Text, "CHG-2") {
		t.Fatalf("form: %+v %v", rep, err)
	}
	rep, err = r.Dispatch(ctx, &bot.Request{UserID: "UALICE", View: &bot.ViewSubmission{CallbackID: "change.new",
		Values: map[string]map[string]string{"action": {"action": "restart 'a;b'"}, "target": {"target": "web"}, "reason": {"reason": "x"}}}})
	if err != nil || rep.ViewErrors["action"] == "" {
		t.Fatalf("bad form accepted: %+v %v", rep, err)
	}
	home, err := e.svc.HomeSection(ctx, "UBOB")
	if err != nil {
		t.Fatal(err)
	}
	if txt := blockText(home); !strings.Contains(txt, "CHG-2") || strings.Contains(txt, "CHG-1") {
		t.Errorf("bob's home: %s", txt)
	}
	if txt := blockText(mustHome(t, e, "UALICE")); strings.Contains(txt, "CHG-2") {
		t.Errorf("alice is asked to approve her own change: %s", txt)
	}
	// and alice cancels it
	if rep, err := send("UALICE", "change cancel CHG-2"); err != nil || !strings.Contains(rep.Text, "cancelled") {
		t.Errorf("cancel: %+v %v", rep, err)
	}
	if rep, _ := send("UALICE", "change list pending"); !strings.Contains(rep.Text, "No pending") {
		t.Errorf("pending: %s", rep.Text)
	}
}

func mustHome(t *testing.T, e *env, user string) []any {
	t.Helper()
	b, err := e.svc.HomeSection(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]any, len(b))
	for i := range b {
		out[i] = b[i]
	}
	return out
}

func TestParseRequest(t *testing.T) {
	tests := []struct{ in, action, sel, reason, pos, named string }{
		{"restart nginx on web -- fix it", "restart", "web", "fix it", "nginx", ""},
		{"logs nginx lines=50 on web-1 — look", "logs", "web-1", "look", "nginx", "lines=50"},
		{"restart nginx on role=web,env=prod —no space", "restart", "role=web,env=prod", "no space", "nginx", ""},
		{"restart a--b on web -- x -- y", "restart", "web", "x -- y", "a--b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRequest(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			named := ""
			for k, v := range r.Named {
				named = k + "=" + v
			}
			if r.Action != tt.action || r.Selector != tt.sel || r.Reason != tt.reason || strings.Join(r.Positional, " ") != tt.pos || named != tt.named {
				t.Errorf("got %+v", r)
			}
		})
	}
}

func TestApproverRoleFromConfigIsHonoured(t *testing.T) {
	// given changes.approver_role: operator
	e := newEnv(t, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.ApproverRole = "operator" })
	ctx := context.Background()
	r := testkit.Router(t, map[string]string{"UOP": "operator", "URESP": "responder"}, e.svc)
	for _, cmd := range e.svc.Commands() {
		if (cmd.Verb == "change approve" || cmd.Verb == "change reject") && cmd.Role != bot.RoleOperator {
			t.Errorf("%s needs %s", cmd.Verb, cmd.Role)
		}
	}
	e.request(t, "restart nginx on web-1 -- by command")
	e.request(t, "restart nginx on web-1 -- by button")
	// when a responder tries, the route refuses
	if _, err := r.Dispatch(ctx, &bot.Request{UserID: "URESP", Text: "change approve CHG-1"}); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("responder: %v", err)
	}
	// then an operator approves by command and by button
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "UOP", Text: "change approve CHG-1"})
	if err != nil || !strings.Contains(rep.Text, "it ran: succeeded") {
		t.Fatalf("command: %+v %v", rep, err)
	}
	rep, err = r.Dispatch(ctx, &bot.Request{UserID: "UOP", Action: &bot.Action{ID: "change.approve", Value: "CHG-2"}})
	if err != nil || !strings.Contains(rep.Text, "it ran: succeeded") {
		t.Fatalf("button: %+v %v", rep, err)
	}
	// and with approver_role: admin, an approver cannot
	e2 := newEnv(t, func(c *Config, _ *actions.Config, _ *sshexec.Config) { c.ApproverRole = "admin" })
	e2.request(t, "restart nginx on web-1 -- admins only")
	r2 := testkit.Router(t, map[string]string{"UBOB": "approver"}, e2.svc)
	if _, err := r2.Dispatch(ctx, &bot.Request{UserID: "UBOB", Action: &bot.Action{ID: "change.approve", Value: "CHG-1"}}); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("approver under approver_role admin: %v", err)
	}
}
