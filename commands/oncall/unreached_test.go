package oncall_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// TestUnreachedPageSaysWhy: given Slack refuses the DM to carol, when
// she is paged, then the reply says she could not be reached and why,
// and Unreached tells other desks the same.
func TestUnreachedPageSaysWhy(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	clock := testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
	chat := testkit.NewChat()
	chat.Fail = func(method, channel string) error {
		if method == "post" && channel == "U3CAROL" {
			return &outbox.Error{Method: "chat.postMessage", Channel: channel, Err: slack.SlackErrorResponse{Err: "channel_not_found"}}
		}
		return nil
	}
	oc, err := oncall.New(oncall.Config{People: map[string]string{"carol": "U3CAROL"}},
		oncall.Deps{Store: store, Chat: chat, Steps: loop.New(store, loop.Options{Clock: clock.Now}), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter("")
	if err := r.Register(oc.Commands()...); err != nil {
		t.Fatal(err)
	}
	rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Role: bot.RoleAdmin, Text: "oncall page carol are you there?"})
	if err != nil {
		t.Fatal(err)
	}
	want := "<@U3CAROL> could not be reached: Slack knows no such user, or opsbot cannot message them (channel_not_found); check their user id in opsbot's oncall config."
	if !strings.Contains(rep.Text, want) {
		t.Errorf("reply = %q\nwant it to say %q", rep.Text, want)
	}
	why, err := oc.Unreached(context.Background(), "PG-1")
	if err != nil || !strings.HasPrefix(why["U3CAROL"], "Slack knows no such user") || len(why) != 1 {
		t.Errorf("Unreached(PG-1) = %v, %v", why, err)
	}
}
