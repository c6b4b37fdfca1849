package incident_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/commands/incident"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// unreachedDesk is the incident desk paging through the real on-call
// desk, whose schedule sre has carol on call and escalates to bob after
// 5 minutes; DMs to the users in dead fail as Slack fails a DM to a user
// it does not know.
type unreachedDesk struct {
	router *bot.Router
	chat   *testkit.Chat
	clock  *testkit.Clock
	loop   *loop.Loop
}

func newUnreachedDesk(t *testing.T, dead ...string) *unreachedDesk {
	t.Helper()
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	d := &unreachedDesk{chat: testkit.NewChat(), clock: testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)), router: bot.NewRouter("")}
	d.chat.Fail = func(method, channel string) error {
		for _, u := range dead {
			if method == "post" && channel == u {
				return &outbox.Error{Method: "chat.postMessage", Channel: channel, Err: slack.SlackErrorResponse{Err: "channel_not_found"}}
			}
		}
		return nil
	}
	d.loop = loop.New(store, loop.Options{Clock: d.clock.Now})
	oc, err := oncall.New(oncall.Config{
		Schedules: []oncall.ScheduleConfig{{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U3CAROL", "U2BOB"}, Shift: "1w",
			Handoff: "monday 09:00", Start: "2026-03-09", EscalationPolicy: "sre-urgent"}},
		Policies: []oncall.PolicyConfig{{Name: "sre-urgent", Levels: []oncall.LevelConfig{{Schedule: "sre", After: "5m"}, {Users: []string{"U2BOB"}}}}},
	}, oncall.Deps{Store: store, Chat: d.chat, Steps: d.loop, Clock: d.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := incident.New(incident.Config{TimeZone: "Europe/Berlin", Severities: map[string]incident.SeverityConfig{"sev1": {Page: "sre"}}},
		incident.Deps{Store: store, Chat: d.chat, Steps: d.loop, Pager: oc, Clock: d.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.router.Register(inc.Commands()...); err != nil {
		t.Fatal(err)
	}
	for kind, h := range oc.Steps() {
		if err := d.loop.Handle(kind, h); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (d *unreachedDesk) do(t *testing.T, text string) string {
	t.Helper()
	rep, err := d.router.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Role: bot.RoleAdmin, Text: text})
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return rep.Text
}

// card is the incident's message in CSRE as it reads now, as JSON.
func (d *unreachedDesk) card(t *testing.T) string {
	t.Helper()
	posts := d.chat.Posted("CSRE")
	if len(posts) == 0 {
		t.Fatal("no incident message")
	}
	b, _ := json.Marshal(d.chat.Last("CSRE", posts[0].TS).Blocks)
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}

// TestUnreachedPageSaysWhoAndWhy: given the on-call person's DM cannot
// be delivered, when an incident pages, then the reply, the message and
// the timeline say who could not be reached and why, and who paged;
// when the next level reaches someone, the message shows both.
func TestUnreachedPageSaysWhoAndWhy(t *testing.T) {
	d := newUnreachedDesk(t, "U3CAROL")
	got := d.do(t, "incident open sev1 checkout down")
	for _, want := range []string{"Page PG-1 reached nobody yet.", "The DM to <@U3CAROL> failed: Slack knows no such user"} {
		if !strings.Contains(got, want) {
			t.Errorf("the reply %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "Paged  (") {
		t.Errorf("the reply names nobody: %q", got)
	}
	if card := d.card(t); !strings.Contains(card, "nobody yet (PG-1): the DM to <@U3CAROL> failed") {
		t.Errorf("the message's Paged field:\n%s", card)
	}
	tl := d.do(t, "incident timeline INC-1")
	if want := "<@U1ALICE> could not page <@U3CAROL>: the DM failed (PG-1 level 1): Slack knows no such user"; !strings.Contains(tl, want) {
		t.Errorf("the timeline lacks %q:\n%s", want, tl)
	}
	if strings.Contains(tl, "opsbot paged") || strings.Contains(tl, "paged opsbot") {
		t.Errorf("the timeline says opsbot paged:\n%s", tl)
	}

	// Level 2 reaches bob; the message keeps saying whom the page missed.
	d.clock.Add(5 * time.Minute)
	if _, err := d.loop.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if card := d.card(t); !strings.Contains(card, "<@U2BOB> (PG-1); not reached: <@U3CAROL> (the DM failed)") {
		t.Errorf("the message after level 2:\n%s", card)
	}
	if tl := d.do(t, "incident timeline INC-1"); !strings.Contains(tl, "opsbot paged <@U2BOB> (PG-1 level 2)") {
		t.Errorf("the timeline after level 2:\n%s", tl)
	}
}

// TestReachedPageNamesWhoPaged: when the page reaches the on-call
// person, the timeline says the reporter paged them.
func TestReachedPageNamesWhoPaged(t *testing.T) {
	d := newUnreachedDesk(t)
	if got := d.do(t, "incident open sev1 checkout down"); !strings.Contains(got, "Paged <@U3CAROL> (PG-1).") {
		t.Errorf("reply = %q", got)
	}
	if tl := d.do(t, "incident timeline INC-1"); !strings.Contains(tl, "<@U1ALICE> paged <@U3CAROL> (PG-1)") {
		t.Errorf("the timeline:\n%s", tl)
	}
}
