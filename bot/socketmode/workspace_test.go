package socketmode_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot/socketmode"
	"opsbot/internal/slackemu"
)

// newWorkspace returns a Workspace over a fresh local Slack (slackemu),
// with the user group @sre-oncall (S1) holding alice.
func newWorkspace(t *testing.T) (*socketmode.Workspace, *slackemu.Server, *slack.Client) {
	t.Helper()
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	if err := emu.AddUserGroup(slackemu.UserGroup{ID: "S1", Handle: "sre-oncall", Users: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
	return socketmode.NewWorkspace(api), emu, api
}

func wantErr(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want one saying %q", what, parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %q lacks %q", what, err, p)
		}
	}
}

func TestWorkspaceChannels(t *testing.T) {
	w, emu, api := newWorkspace(t)
	ctx := context.Background()

	id, err := w.CreateChannel(ctx, "inc-7-db-latency")
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := emu.Channel(id)
	if !ok || ch.Name != "inc-7-db-latency" || ch.IsPrivate || !slices.Contains(ch.Members, slackemu.BotUserID) {
		t.Fatalf("created channel = %+v (found %v)", ch, ok)
	}
	_, err = w.CreateChannel(ctx, "inc-7-db-latency")
	wantErr(t, "second create", err, "create channel #inc-7-db-latency", "name_taken")

	// Invite: people join; inviting them again is fine; nobody is no call.
	if err := w.Invite(ctx, id, "U1", "U2"); err != nil {
		t.Fatal(err)
	}
	if err := w.Invite(ctx, id, "U1"); err != nil {
		t.Fatalf("inviting a member again: %v", err)
	}
	before := len(emu.CallsTo("conversations.invite"))
	if err := w.Invite(ctx, id); err != nil || len(emu.CallsTo("conversations.invite")) != before {
		t.Fatalf("inviting nobody: %v, %d calls", err, len(emu.CallsTo("conversations.invite"))-before)
	}
	if ch, _ := emu.Channel(id); !slices.Contains(ch.Members, "U1") || !slices.Contains(ch.Members, "U2") || slices.Contains(ch.Members, "U3") {
		t.Fatalf("members = %v, want the bot, U1 and U2", ch.Members)
	}
	wantErr(t, "invite unknown user", w.Invite(ctx, id, "U9NOBODY"), "invite [U9NOBODY] to "+id, "user_not_found")

	// Pin: the message is pinned; pinning twice is fine.
	_, ts, err := api.PostMessageContext(ctx, id, slack.MsgOptionText("INC-7 summary", false))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Pin(ctx, id, ts); err != nil {
		t.Fatal(err)
	}
	if m, _ := emu.Message(id, ts); !m.Pinned {
		t.Fatal("message not pinned")
	}
	if err := w.Pin(ctx, id, ts); err != nil {
		t.Fatalf("pinning twice: %v", err)
	}
	wantErr(t, "pin unknown message", w.Pin(ctx, id, "1.000001"), "pin 1.000001 in "+id, "message_not_found")
}

func TestWorkspaceSetMembers(t *testing.T) {
	w, emu, _ := newWorkspace(t)
	ctx := context.Background()

	if err := w.SetMembers(ctx, "sre-oncall", []string{"U2"}); err != nil {
		t.Fatal(err)
	}
	if got := emu.UserGroupMembers("S1"); !slices.Equal(got, []string{"U2"}) {
		t.Fatalf("@sre-oncall = %v, want [U2]", got)
	}
	// A leading @ is the same handle.
	if err := w.SetMembers(ctx, "@sre-oncall", []string{"U3", "U1"}); err != nil {
		t.Fatal(err)
	}
	if got := emu.UserGroupMembers("S1"); !slices.Equal(got, []string{"U1", "U3"}) {
		t.Fatalf("@sre-oncall = %v, want [U1 U3]", got)
	}

	wantErr(t, "unknown group", w.SetMembers(ctx, "dba-oncall", []string{"U2"}), "no user group @dba-oncall in the workspace")
	wantErr(t, "unknown user", w.SetMembers(ctx, "sre-oncall", []string{"U9NOBODY"}), "update members of @sre-oncall", "invalid_users")
	if got := emu.UserGroupMembers("S1"); !slices.Equal(got, []string{"U1", "U3"}) {
		t.Fatalf("a refused update changed @sre-oncall to %v", got)
	}
	emu.FailNext("usergroups.list", 1)
	wantErr(t, "Slack failing", w.SetMembers(ctx, "sre-oncall", []string{"U2"}), "list user groups")
}
