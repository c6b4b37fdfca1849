package change_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/outbox"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/sshexec"
	"opsbot/internal/testkit"
)

// idleRunner counts runs and runs nothing.
type idleRunner struct{ runs atomic.Int32 }

func (r *idleRunner) RunMany(_ context.Context, targets []sshexec.Target, _ sshexec.Command, _ sshexec.FanoutOptions) sshexec.FanoutResult {
	r.runs.Add(1)
	return sshexec.FanoutResult{Succeeded: len(targets)}
}

type quietAudit struct{}

func (quietAudit) Record(context.Context, audit.Entry) error { return nil }

// unpostedDesk is a change desk posting to CCHANGES through chat, on a
// real redis-server; no host is ever reached.
func unpostedDesk(t *testing.T, chat *testkit.Chat) (*change.Service, *idleRunner, *redistest.Server) {
	t.Helper()
	rs := redistest.Start(t)
	cat, err := actions.New(actions.Config{
		Groups:  map[string]actions.GroupConfig{"web": {Services: []string{"nginx"}}},
		Hosts:   []actions.HostConfig{{Name: "web-1", Address: "192.0.2.1", Groups: []string{"web"}, Env: "prod"}},
		Actions: map[string]actions.ActionConfig{"restart": {Argv: []string{"systemctl", "restart", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "high"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	run := &idleRunner{}
	clock := testkit.NewClock(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	svc, err := change.New(change.Config{Channel: "CCHANGES", Expiry: time.Hour}, change.Deps{Store: redisstore.New(rs.Client(t), "opsbot"), Chat: chat,
		Runner: run, Resolver: cat, Actions: cat, Audit: quietAudit{}, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	return svc, run, rs
}

func requestRestart(svc *change.Service) (*change.Change, error) {
	r, err := change.ParseRequest("restart nginx on web-1 -- test")
	if err != nil {
		return nil, err
	}
	return svc.Request(context.Background(), r, "UALICE", bot.RoleOperator, "CGENERAL")
}

// TestRequestToAMissingChannelIsNotFiled: given a changes channel Slack
// does not know, when a change is requested, then the requester is told
// plainly that it was not filed and why (Slack's code as advice, and the
// setting to fix), and no change exists to approve or run.
func TestRequestToAMissingChannelIsNotFiled(t *testing.T) {
	chat := testkit.NewChat()
	chat.Fail = func(method, channel string) error {
		if method == "post" && channel == "CCHANGES" {
			return &outbox.Error{Method: "chat.postMessage", Channel: channel, Err: slack.SlackErrorResponse{Err: "channel_not_found"}}
		}
		return nil
	}
	svc, run, _ := unpostedDesk(t, chat)

	_, err := requestRestart(svc)
	if err == nil {
		t.Fatal("the request was accepted although its card could not be posted")
	}
	if code := bot.ErrorCode(err); code == bot.CodeInternal {
		t.Fatalf("the requester is told %q", bot.UserMessage(err))
	}
	msg := bot.UserMessage(err)
	for _, want := range []string{"not filed", "<#CCHANGES>", "does not exist, or opsbot cannot see it", "`changes.channel`"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the requester is told %q; it lacks %q", msg, want)
		}
	}

	// Nothing half-done: CHG-1 cannot be approved, it is not listed.
	if _, err := svc.Approve(context.Background(), "CHG-1", "UBOB", bot.RoleAdmin, ""); bot.ErrorCode(err) != bot.CodeNotFound {
		t.Errorf("approving CHG-1 = %v, want not found", err)
	}
	if n := run.runs.Load(); n != 0 {
		t.Errorf("%d runs started", n)
	}
	r := bot.NewRouter("")
	if err := r.Register(svc.Commands()...); err != nil {
		t.Fatal(err)
	}
	for _, list := range []string{"recent", "mine", "pending"} {
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "UALICE", Role: bot.RoleAdmin, Text: "change list " + list})
		if err != nil || !strings.HasPrefix(rep.Text, "No ") {
			t.Errorf("change list %s = %+v, %v; want none", list, rep, err)
		}
	}
	home, err := svc.HomeSection(context.Background(), "UBOB")
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := home[1].(*slack.SectionBlock); !ok || b.Text.Text != "No changes await your approval." {
		t.Errorf("pending changes: %#v", home[1])
	}

	// Once the channel is there, requests are filed and can be approved.
	chat.Fail = nil
	c, err := requestRestart(svc)
	if err != nil {
		t.Fatal(err)
	}
	if c.TS == "" || len(chat.Posted("CCHANGES")) != 1 {
		t.Fatalf("filed %s with ts %q; posts %v", c.ID, c.TS, chat.Posted("CCHANGES"))
	}
	if _, err := svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleAdmin, ""); err != nil {
		t.Fatalf("approve %s: %v", c.ID, err)
	}
}
