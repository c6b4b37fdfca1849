package incident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/incident"
	"opsbot/internal/testkit"
)

// TestPeopleJoiningAreInvited: whoever takes a role (by command or the
// I'm commander button) and whoever a later escalation level reaches is
// invited to the incident's channel; later pages are recorded on the
// incident, and failed DMs on its timeline.
func TestPeopleJoiningAreInvited(t *testing.T) {
	srv, c := start(t)
	cfg := testConfig()
	cfg.ChannelPerIncident = true
	e := newEnv(t, srv, c, opts{cfg: &cfg, channels: true})
	e.ok(t, "U1ALICE", "incident open sev1 checkout down")
	invited := func() string {
		e.channels.mu.Lock()
		defer e.channels.mu.Unlock()
		return strings.Join(e.channels.invited, " ")
	}
	if got := invited(); got != "CINC1:U1ALICE,U3CAROL" {
		t.Fatalf("invited at open: %q", got)
	}
	e.ok(t, "U1ALICE", "incident role INC-1 commander U2BOB")
	if _, err := e.click(t, "U1ALICE", "incident.commander", "INC-1"); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "U1ALICE", "incident role INC-1 comms U4DAN")
	if got := invited(); got != "CINC1:U1ALICE,U3CAROL CINC1:U2BOB CINC1:U1ALICE CINC1:U4DAN" {
		t.Fatalf("invited after roles: %q", got)
	}

	// Level 2 of the page reaches erin; frank's DM failed.
	e.pager.escalate("INC-1", "PG-1", 1, []string{"U5ERIN"}, []string{"U6FRANK"})
	if got := invited(); !strings.HasSuffix(got, " CINC1:U5ERIN") {
		t.Fatalf("invited after escalation: %q", got)
	}
	tl := e.timeline(t, "INC-1")
	for _, want := range []string{"paged <@U5ERIN> (PG-1 level 2)", "could not page <@U6FRANK>: the DM failed (PG-1 level 2)"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	if got := blocksText(e.message(t).Blocks); !strings.Contains(got, "<@U3CAROL>, <@U5ERIN> (PG-1)") {
		t.Errorf("message does not show erin as paged:\n%s", got)
	}
	rep, err := e.do(t, "U5ERIN", "CSRE", "", "incident list mine")
	if err != nil || !strings.Contains(rep.Text, "INC-1") {
		t.Errorf("erin's list = %+v, %v", rep, err)
	}
	// The first level is recorded at opening; hearing of it adds nothing.
	e.pager.escalate("INC-1", "PG-1", 0, []string{"U3CAROL"}, nil)
	if n := strings.Count(e.timeline(t, "INC-1"), "paged <@U3CAROL>"); n != 1 {
		t.Errorf("carol's page recorded %d times", n)
	}
	pm, err := e.do(t, "U3CAROL", "CSRE", "", "incident postmortem INC-1")
	if err != nil || !strings.Contains(string(pm.File.Content), "- @U5ERIN: paged") {
		t.Errorf("postmortem participants: %v\n%s", err, pm.File.Content)
	}
}

// TestEscalationReachesIncident: with the real on-call desk, the
// second level of an incident's page is recorded on the incident.
func TestEscalationReachesIncident(t *testing.T) {
	store, c, ch, lp, oc := withOncall(t)
	cfg := testConfig()
	inc, err := incident.New(cfg, incident.Deps{Store: store, Chat: ch, Steps: lp, Pager: oc, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Steps(t, lp.Handle, oc)
	ctx := context.Background()
	if _, err := inc.Open(ctx, incident.OpenRequest{Title: "checkout down", Severity: 1, Reporter: "U1ALICE", Channel: "CSRE"}); err != nil {
		t.Fatal(err)
	}
	c.Add(5 * time.Minute)
	if _, err := lp.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	r := testkit.Router(t, nil, inc)
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Text: "incident timeline INC-1"})
	if err != nil || !strings.Contains(rep.Text, "paged <@U2BOB> (PG-1 level 2)") {
		t.Fatalf("timeline = %+v, %v", rep, err)
	}
}
