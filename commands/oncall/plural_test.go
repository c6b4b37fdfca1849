package oncall_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// TestOneIsSingularInOncall: a schedule shown for one day says "1 day",
// and a page of one level that nobody acknowledged says it ran out of its
// only level, not of "all 1 levels" (and the page's message is escaped
// in that notice too).
func TestOneIsSingularInOncall(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	clock := testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
	chat := testkit.NewChat()
	steps := loop.New(store, loop.Options{Clock: clock.Now})
	oc, err := oncall.New(oncall.Config{
		People:    map[string]string{"bob": "U2BOB"},
		Schedules: []oncall.ScheduleConfig{{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U3CAROL"}, Shift: "1w", Handoff: "monday 09:00", Start: "2026-03-09"}},
	}, oncall.Deps{Store: store, Chat: chat, Steps: steps, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for kind, h := range oc.Steps() {
		if err := steps.Handle(kind, h); err != nil {
			t.Fatal(err)
		}
	}
	r := bot.NewRouter("")
	if err := r.Register(oc.Commands()...); err != nil {
		t.Fatal(err)
	}
	do := func(text string) string {
		t.Helper()
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Role: bot.RoleAdmin, Text: text})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return rep.Text
	}
	if got := do("oncall schedule sre 1"); !strings.Contains(got, "the next 1 day (") {
		t.Errorf("schedule for a day:\n%s", got)
	}
	do("oncall page bob <!channel> disk full")
	clock.Add(oncall.DefaultLevelDelay)
	if _, err := steps.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	posts := chat.Posted("CSRE")
	if len(posts) != 1 || !strings.Contains(posts[0].Msg.Text, "after its only level of escalation") || !strings.Contains(posts[0].Msg.Text, "(<@U2BOB>: &lt;!channel&gt; disk full)") {
		t.Errorf("posts to CSRE: %+v", posts)
	}
}
