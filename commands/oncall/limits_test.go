package oncall_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot/socketmode"
	"opsbot/internal/testkit"
)

// Given a page whose message is as long as a command allows and full of
// markup, when it goes out, escalates and is acknowledged, then Slack
// (the strict local one) accepts the page DM, its update, the answers to
// who, schedule and overrides, and the App Home; none of the markup is live.
func TestHostilePageIsAcceptedAndInert(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	check := func(what, text string, set []slack.Block) {
		t.Helper()
		raw, _ := json.Marshal(set)
		if live := testkit.Live(text + string(raw)); len(live) > 0 {
			t.Errorf("%s has live %v", what, live)
		}
		testkit.SlackAccepts(t, text, set)
	}
	e.ok(t, "U0CONSOLE", "oncall page sre "+testkit.Hostile(7000))
	dms := e.chat.Posted("U3CAROL") // on call for sre at the test clock
	if len(dms) == 0 {
		t.Fatal("carol was not paged")
	}
	check("page", dms[0].Msg.Text, dms[0].Msg.Blocks)
	rep, err := e.click(t, "U3CAROL", "oncall.ack", "PG-1", dms[0].TS)
	if err != nil {
		t.Fatal(err)
	}
	check("acknowledged page", rep.Text, rep.Blocks)
	for _, cmd := range []string{"oncall who", "oncall schedule sre 14", "oncall overrides"} {
		rep, err := e.run(t, "U1ALICE", cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		check(cmd, rep.Text, rep.Blocks)
	}
	home := socketmode.NewHome()
	for _, h := range e.svc.HomeSections() {
		home.Add(h.Title, h.Render)
	}
	testkit.SlackAcceptsHome(t, home.Render(context.Background(), "U1ALICE"))
}
