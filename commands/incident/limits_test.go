package incident_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot/socketmode"
	"opsbot/commands/incident"
	"opsbot/internal/testkit"
)

// Given an incident whose every field is at its longest and full of
// markup and &s, when its card is posted, updated on resolve, listed,
// shown, and put on the App Home, then Slack (the strict local one)
// accepts each of them and none of the markup is live.
func TestHostileIncidentIsAcceptedAndInert(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{noPager: true})
	ctx := context.Background()
	title := strings.ReplaceAll(testkit.Hostile(incident.MaxTitle), "\n", " ")
	for range 10 {
		_, err := e.svc.Open(ctx, incident.OpenRequest{Title: title, Severity: 3, Reporter: "U1ALICE", Channel: "CSRE",
			Description: testkit.Hostile(incident.MaxDescription), Services: testkit.Hostile(incident.MaxServices),
			Links: []string{"alert " + testkit.Hostile(200)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	card := e.message(t)
	check := func(what string, text string, set []slack.Block) {
		t.Helper()
		raw, _ := json.Marshal(set)
		if live := testkit.Live(text + string(raw)); len(live) > 0 {
			t.Errorf("%s has live %v", what, live)
		}
		testkit.SlackAccepts(t, text, set)
	}
	check("card", card.Text, card.Blocks)

	e.ok(t, "U1ALICE", "incident resolve INC-1 "+testkit.Hostile(6000))
	resolved := e.chat.Last("CSRE", e.chat.Posted("CSRE")[0].TS)
	check("resolved card", resolved.Text, resolved.Blocks)

	for _, cmd := range []string{"incident list all", "incident show INC-2", "incident timeline INC-1"} {
		rep, err := e.do(t, "U1ALICE", "CSRE", "", cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		check(cmd, rep.Text, rep.Blocks)
	}

	home := socketmode.NewHome()
	for _, h := range e.svc.HomeSections() {
		home.Add(h.Title, h.Render)
	}
	set := home.Render(ctx, "U1ALICE")
	raw, _ := json.Marshal(set)
	if live := testkit.Live(string(raw)); len(live) > 0 {
		t.Errorf("App Home has live %v", live)
	}
	testkit.SlackAcceptsHome(t, set)
}

// The incident forms set max_length on every text input, and Slack
// accepts them.
func TestIncidentFormsAreAccepted(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{noPager: true})
	rep, err := e.do(t, "U1ALICE", "CSRE", "", "incident new")
	if err != nil || rep.View == nil {
		t.Fatalf("incident new = %+v, %v", rep, err)
	}
	raw, _ := json.Marshal(rep.View.Blocks)
	if n := strings.Count(string(raw), `"max_length"`); n < 3 {
		t.Errorf("%d inputs with max_length in the incident form, want title, description and services:\n%s", n, raw)
	}
	testkit.SlackAcceptsModal(t, *rep.View)
}
