package slackemu

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestPostMessage(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	blocks := slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*deploy*", false, false), nil, nil),
		slack.NewActionBlock("", slack.NewButtonBlockElement("change.approve", "CHG-7", slack.NewTextBlockObject("plain_text", "Approve", false, false))),
	)
	ch, ts, err := api.PostMessage("C1", slack.MsgOptionText("deploy", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C1" || !tsRE.MatchString(ts) {
		t.Fatalf("channel %q ts %q", ch, ts)
	}
	_, reply, err := api.PostMessage("C1", slack.MsgOptionText("in thread", false), slack.MsgOptionTS(ts))
	if err != nil {
		t.Fatal(err)
	}
	if reply <= ts {
		t.Fatalf("reply ts %q not after %q", reply, ts)
	}
	_, _, err = api.PostMessage("#ops", slack.MsgOptionText("by name", false))
	if err != nil {
		t.Fatal(err)
	}
	dm, _, err := api.PostMessage("U1", slack.MsgOptionText("by user", false))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dm, "D") {
		t.Fatalf("post to U1 went to %q, want a DM channel", dm)
	}

	m, ok := srv.Message("C1", ts)
	if !ok || m.Text != "deploy" || !m.FromApp() || m.User != BotUserID {
		t.Fatalf("stored message = %+v", m)
	}
	var parsed slack.Blocks
	if err := parsed.UnmarshalJSON(m.Blocks); err != nil || len(parsed.BlockSet) != 2 {
		t.Fatalf("stored blocks %s: %v", m.Blocks, err)
	}
	if parsed.BlockSet[1].ID() == "" {
		t.Fatal("a block without block_id did not get one, as Slack gives")
	}
	replies := srv.Replies("C1", ts)
	if len(replies) != 1 || replies[0].ThreadTS != ts {
		t.Fatalf("replies = %+v", replies)
	}
	if got := srv.Messages("C2"); len(got) != 1 || got[0].Text != "by name" {
		t.Fatalf("C2 messages = %+v", got)
	}
	if got := srv.Messages(dm); len(got) != 1 || got[0].Text != "by user" {
		t.Fatalf("DM messages = %+v", got)
	}
}

func TestPostMessageErrors(t *testing.T) {
	srv := newTestServer(t)
	if err := srv.AddChannel(Channel{ID: "C3", Name: "random", Members: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddChannel(Channel{ID: "C4", Name: "old", IsArchived: true, Members: []string{BotUserID}}); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, srv, srv.BotToken())
	divider := slack.NewDividerBlock()
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = divider
	}
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"unknown channel", "C999", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"bot not a member", "C3", []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
		{"archived", "C4", []slack.MsgOption{slack.MsgOptionText("x", false)}, "is_archived"},
		{"text too long", "C1", []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", 40001), false)}, "msg_too_long"},
		{"too many blocks", "C1", []slack.MsgOption{slack.MsgOptionBlocks(many...)}, "invalid_blocks"},
		{"nothing to say", "C1", nil, "no_text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessage(tt.channel, tt.opts...)
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Fatalf("refused posts stored %d messages", n)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText(strings.Repeat("a", 40000), false)); err != nil {
		t.Fatalf("40,000 characters are allowed: %v", err)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("firing", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("resolved", false)); err != nil {
		t.Fatal(err)
	}
	m, _ := srv.Message("C1", ts)
	if m.Text != "resolved" || m.Edits != 1 {
		t.Fatalf("after update: %+v", m)
	}
	user, err := srv.Mention("U1", "C1", "hello")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"update unknown ts", func() error {
			_, _, _, err := api.UpdateMessage("C1", "1700000000.000001", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"update someone else's message", func() error {
			_, _, _, err := api.UpdateMessage("C1", user.EventTS, slack.MsgOptionText("x", false))
			return err
		}, "cant_update_message"},
		{"update in unknown channel", func() error {
			_, _, _, err := api.UpdateMessage("C999", ts, slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"delete someone else's message", func() error {
			_, _, err := api.DeleteMessage("C1", user.EventTS)
			return err
		}, "cant_delete_message"},
		{"delete", func() error {
			_, _, err := api.DeleteMessage("C1", ts)
			return err
		}, ""},
		{"delete again", func() error {
			_, _, err := api.DeleteMessage("C1", ts)
			return err
		}, "message_not_found"},
		{"update deleted", func() error {
			_, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackErr(tt.call()); got != tt.want {
				t.Fatalf("error = %q, want %q", got, tt.want)
			}
		})
	}
	if m, _ := srv.Message("C1", ts); !m.Deleted {
		t.Fatal("message not marked deleted")
	}
}

func TestPostEphemeralAndPermalink(t *testing.T) {
	srv := newTestServer(t)
	if err := srv.AddUser(User{ID: "U4", Name: "dave"}); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, srv, srv.BotToken())
	ts, err := api.PostEphemeral("C2", "U2", slack.MsgOptionText("only you", false))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := srv.Message("C2", ts)
	if !ok || !m.Ephemeral || m.EphemeralUser != "U2" || m.Text != "only you" {
		t.Fatalf("ephemeral = %+v", m)
	}
	if _, err := api.PostEphemeral("C2", "U4", slack.MsgOptionText("x", false)); slackErr(err) != "user_not_in_channel" {
		t.Fatalf("ephemeral to non-member: %v", err)
	}
	if _, err := api.PostEphemeral("C2", "U404", slack.MsgOptionText("x", false)); slackErr(err) != "user_not_found" {
		t.Fatalf("ephemeral to unknown user: %v", err)
	}

	_, root, _ := api.PostMessage("C1", slack.MsgOptionText("root", false))
	_, reply, _ := api.PostMessage("C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(root))
	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: root})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/archives/C1/p" + strings.Replace(root, ".", "", 1); !strings.HasSuffix(link, want) {
		t.Fatalf("permalink %q does not end in %q", link, want)
	}
	link, _ = api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: reply})
	if !strings.Contains(link, "thread_ts="+root) {
		t.Fatalf("reply permalink %q lacks its thread", link)
	}
	if _, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: "1.000001"}); slackErr(err) != "message_not_found" {
		t.Fatalf("permalink of unknown message: %v", err)
	}
}

func TestPinsAdd(t *testing.T) {
	s := newTestServer(t)
	api := newAPI(t, s, s.BotToken())
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("pin me", false))
	if err != nil {
		t.Fatal(err)
	}
	ref := slack.NewRefToMessage("C1", ts)
	if err := api.AddPin("C1", ref); err != nil {
		t.Fatal(err)
	}
	if err := api.AddPin("C1", ref); err == nil || err.Error() != "already_pinned" {
		t.Errorf("second pin = %v", err)
	}
	if m, _ := s.Message("C1", ts); !m.Pinned {
		t.Error("message not pinned")
	}
	if err := api.AddPin("C1", slack.NewRefToMessage("C1", "1.2")); err == nil || err.Error() != "message_not_found" {
		t.Errorf("pin of unknown message = %v", err)
	}
}
