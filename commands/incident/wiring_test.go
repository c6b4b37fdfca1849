package incident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/incident"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// withOncall starts Redis and the real on-call desk on it: schedule sre
// (carol, then bob) whose policy sre-urgent pages its person, then bob
// after 5 minutes. Steps run on the returned loop.
func withOncall(t testing.TB) (*redisstore.Store, *testkit.Clock, *testkit.Chat, *loop.Loop, *oncall.Service) {
	t.Helper()
	srv, c := start(t)
	store := redisstore.New(srv.Client(t), "t")
	ch := testkit.NewChat()
	lp := loop.New(store, loop.Options{Clock: c.Now})
	oc, err := oncall.New(oncall.Config{
		Schedules: []oncall.ScheduleConfig{{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U3CAROL", "U2BOB"}, Shift: "1w",
			Handoff: "monday 09:00", Start: "2026-03-09", EscalationPolicy: "sre-urgent"}},
		Policies: []oncall.PolicyConfig{{Name: "sre-urgent", Levels: []oncall.LevelConfig{{Schedule: "sre", After: "5m"}, {Users: []string{"U2BOB"}}}}},
	}, oncall.Deps{Store: store, Chat: ch, Steps: lp, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return store, c, ch, lp, oc
}

// The desk and on-call wired as the app wires them: a sev1 pages the
// on-call person, whose Acknowledge in the DM acknowledges the incident.
func TestWithOncall(t *testing.T) {
	store, c, ch, lp, oc := withOncall(t)
	cfg := testConfig()
	cfg.Severities["sev1"] = incident.SeverityConfig{Page: "sre", UpdateEvery: "30m"}
	inc, err := incident.New(cfg, incident.Deps{Store: store, Chat: ch, Steps: lp, Pager: oc, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	oc.OnAcknowledge(inc.AcknowledgeFromPage)
	// everyone involved is admin: this is about the wiring, not RBAC
	r := testkit.Router(t, map[string]string{"U1ALICE": "admin", "U3CAROL": "admin"}, inc, oc)
	testkit.Steps(t, lp.Handle, inc, oc)
	do := func(req *bot.Request) *bot.Reply {
		t.Helper()
		rep, err := r.Dispatch(context.Background(), req)
		if err != nil {
			t.Fatalf("%+v: %v", req, err)
		}
		return rep
	}
	rep := do(&bot.Request{UserID: "U1ALICE", Channel: "CSRE", Text: "incident open sev1 checkout down"})
	if rep.Text != "Opened INC-1 (SEV1). Paged <@U3CAROL> (PG-1)." {
		t.Fatalf("open = %q", rep.Text)
	}
	var dm testkit.Post
	for _, p := range ch.All() {
		if p.Channel == "U3CAROL" {
			dm = p
		}
	}
	if !strings.Contains(dm.Msg.Text, "pages you (PG-1): INC-1 SEV1: checkout down") {
		t.Fatalf("DM = %+v", dm)
	}
	do(&bot.Request{UserID: "U3CAROL", Channel: "U3CAROL", Action: &bot.Action{ID: "oncall.ack", Value: "PG-1", MessageTS: dm.TS}})
	msgTS := ch.Posted("CSRE")[0].TS
	if m := ch.Last("CSRE", msgTS); !strings.Contains(m.Text, "acknowledged by <@U3CAROL>") {
		t.Fatalf("incident after the page was acknowledged: %q", m.Text)
	}
	do(&bot.Request{UserID: "U3CAROL", Channel: "CSRE", Thread: msgTS, Text: "incident resolve restarted the payment workers"})
	rep = do(&bot.Request{UserID: "U3CAROL", Channel: "CSRE", Thread: msgTS, Text: "incident postmortem"})
	if rep.File == nil || !strings.Contains(string(rep.File.Content), "| Acknowledged | 2026-03-10 09:00 CET by @U3CAROL |") {
		t.Fatalf("postmortem = %+v", rep)
	}
	// Nothing escalates or reminds after that.
	c.Add(3 * time.Hour)
	before := len(ch.All())
	if _, err := lp.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := len(ch.All()); after != before {
		t.Fatalf("%d messages after resolution: %+v", after-before, ch.All()[before:])
	}
}
