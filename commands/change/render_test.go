package change

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/golden"
	"opsbot/commands/actions"
	"opsbot/internal/testkit"
)

func goldenChange() *Change {
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	return &Change{ID: "CHG-7", Action: "restart", Values: map[string]string{"unit": "nginx"},
		Argv: []string{"sudo", "systemctl", "restart", "nginx"}, Selector: "web",
		Hosts: []actions.Host{{Name: "web-1", Env: "prod"}, {Name: "web-2", Env: "prod"}}, Risk: "high",
		Requester: "UALICE", Reason: "roll out <config> fix", Created: at, Expires: at.Add(4 * time.Hour),
		State: StateRequested, Channel: "CCHANGES", TS: "1.0"}
}

// TestMessageGolden pins the change message's Block Kit in each phase.
// Update with: go test ./commands/change -run TestMessageGolden -update
func TestMessageGolden(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 5, 0, 0, time.UTC)
	requested := goldenChange()
	running := goldenChange()
	running.State = StateRunning
	running.Approvals = []Approval{{User: "UBOB", At: now}}
	running.Progress = "CHG-7 restart unit=nginx: 1/2 hosts, 0 failed"
	succeeded := goldenChange()
	succeeded.State = StateSucceeded
	succeeded.Approvals = running.Approvals
	succeeded.Result = "2 succeeded, 0 failed, 0 skipped in 1.2s"
	scheduled := goldenChange()
	scheduled.State = StateApproved
	scheduled.Approvals = running.Approvals
	scheduled.WindowStart, scheduled.WindowEnd, scheduled.Zone = now.Add(16*time.Hour), now.Add(17*time.Hour), "Europe/Berlin"
	missed := goldenChange()
	missed.State = StateExpired
	missed.WindowStart, missed.WindowEnd, missed.Zone = scheduled.WindowStart, scheduled.WindowEnd, "UTC"
	missed.Result = "window missed: opsbot was not running during 2026-03-05 02:05–03:05 UTC; request it again"
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Change{"requested": requested, "running": running, "succeeded": succeeded, "scheduled": scheduled, "missed": missed} {
		t.Run(name, func(t *testing.T) {
			loc := time.UTC
			if c.Zone == "Europe/Berlin" {
				loc = berlin // the desk's zone when it was requested
			}
			golden.AssertJSON(t, "TestMessageGolden/"+name+".json", c.message(1, loc))
		})
	}
}

// inert fails the test when Slack text s could form markup other than
// opsbot's own mentions and dates: every < must open one of those, and
// every & must be an entity.
func inert(t *testing.T, where, s string) {
	t.Helper()
	for i := strings.IndexByte(s, '<'); i >= 0; i = next(s, i+1, '<') {
		if !strings.HasPrefix(s[i:], "<@U") && !strings.HasPrefix(s[i:], "<!date^") && !strings.HasPrefix(s[i:], "<#C") {
			t.Errorf("%s: live markup at %q", where, s[i:min(len(s), i+30)])
		}
	}
	for i := strings.IndexByte(s, '&'); i >= 0; i = next(s, i+1, '&') {
		if !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
			t.Errorf("%s: bare & at %q", where, s[i:min(len(s), i+30)])
		}
	}
}

func next(s string, from int, b byte) int {
	if j := strings.IndexByte(s[from:], b); j >= 0 {
		return from + j
	}
	return -1
}

// inertBlocks checks every mrkdwn text in blocks (plain_text is never
// parsed by Slack).
func inertBlocks(t *testing.T, where string, blocks any) {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				text, _ := x["text"].(string)
				inert(t, where, text)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	walk(v)
}

const hostile = "<!channel> & <https://evil.example|x>"

func TestChangeCardHasNothingLive(t *testing.T) {
	// given a change whose text from people holds mentions, links and &
	for _, state := range []string{StateRequested, StateRunning, StateRejected, StateFailed} {
		c := goldenChange()
		c.Reason, c.Selector, c.Values = hostile, "<https://evil.example|x>", map[string]string{"unit": "<!channel>"}
		c.Risk, c.State, c.Progress, c.RejectReason, c.Result, c.DecidedBy = "high & <!here>", state, hostile, hostile, hostile, "UBOB"
		c.Approvals = []Approval{{User: "UBOB", Emergency: hostile}}
		// when it is rendered, then none of it is live markup
		m := c.message(2, time.UTC)
		inert(t, state+" text", m.Text)
		inertBlocks(t, state, m.Blocks)
		// and Slack takes it, every field at its longest
		c.Reason, c.Progress, c.RejectReason, c.Result = testkit.Hostile(3000), testkit.Hostile(500), testkit.Hostile(3000), testkit.Hostile(3000)
		c.Approvals = []Approval{{User: "UBOB", Emergency: testkit.Hostile(3000)}, {User: "UCAROL"}}
		long := c.message(2, time.UTC)
		testkit.SlackAccepts(t, long.Text, long.Blocks)
		if h := m.Blocks[0].(*slack.HeaderBlock); utf8.RuneCountInString(h.Text.Text) > blocks.MaxHeader {
			t.Errorf("header of %d characters", utf8.RuneCountInString(h.Text.Text))
		}
	}
	long := goldenChange()
	long.Selector = strings.Repeat("web-", 100)
	if h := long.message(1, time.UTC).Blocks[0].(*slack.HeaderBlock); utf8.RuneCountInString(h.Text.Text) != blocks.MaxHeader {
		t.Errorf("long header cut to %d, want %d", utf8.RuneCountInString(h.Text.Text), blocks.MaxHeader)
	}
}

func TestChangeRunPostsNothingLive(t *testing.T) {
	// given a request whose reason holds mentions and links, for a command
	// whose output holds them too
	e := newEnv(t)
	ctx := context.Background()
	c := e.request(t, "shout on web-1 -- "+hostile)
	home, err := e.svc.HomeSection(ctx, "UBOB")
	if err != nil {
		t.Fatal(err)
	}
	inertBlocks(t, "home", home)
	rep, err := testkit.Router(t, map[string]string{"UBOB": "viewer"}, e.svc).Dispatch(ctx, &bot.Request{UserID: "UBOB", Text: "change list"})
	if err != nil {
		t.Fatal(err)
	}
	inert(t, "list", rep.Text)
	// when it runs
	if _, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	// then the card, its updates and its thread hold none of it live
	th := e.thread(c.TS)
	if !strings.Contains(th, "&lt;!here&gt; &amp; &lt;https://evil.example|x&gt;") {
		t.Errorf("the output is not in the thread as text:\n%s", th)
	}
	for i, p := range append(e.chat.Posts(), e.chat.Updates()...) {
		inert(t, fmt.Sprintf("message %d text", i), p.Msg.Text)
		inertBlocks(t, fmt.Sprintf("message %d", i), p.Msg.Blocks)
	}
}

// The change forms keep Slack's limits (titles, labels, max_length) and
// say "optional" once: Slack adds it to an optional field's label.
func TestChangeFormsAreAccepted(t *testing.T) {
	e := newEnv(t)
	rep, err := e.svc.handleNew(context.Background(), &bot.Request{UserID: "UBOB"})
	if err != nil || rep.View == nil {
		t.Fatalf("change new = %+v, %v", rep, err)
	}
	raw, _ := json.Marshal(rep.View)
	if strings.Contains(string(raw), "(optional)") {
		t.Errorf("a label says (optional) itself: %s", raw)
	}
	testkit.SlackAcceptsModal(t, *rep.View)
	testkit.SlackAcceptsModal(t, *rejectModal("CHG-123456"))
}
