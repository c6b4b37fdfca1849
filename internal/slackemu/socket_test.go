package slackemu

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"opsbot/integrations/testenv"
)

func TestSocketModeEnvelopes(t *testing.T) {
	srv := newTestServer(t)
	b := startBot(t, srv)
	ctx := testCtx(t)
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	t.Run("slash command", func(t *testing.T) {
		sent, err := srv.SlashCommand("U1", "C2", "/ops", "ping web-1")
		if err != nil {
			t.Fatal(err)
		}
		ev := b.next(t)
		cmd, ok := ev.Data.(slack.SlashCommand)
		if !ok || cmd.Command != "/ops" || cmd.Text != "ping web-1" || cmd.UserID != "U1" || cmd.ChannelID != "C2" ||
			cmd.ChannelName != "ops" || cmd.TriggerID != sent.TriggerID || cmd.ResponseURL != sent.ResponseURL {
			t.Fatalf("slash command = %+v", ev.Data)
		}
		if ev.Request.EnvelopeID != sent.EnvelopeID || !ev.Request.AcceptsResponsePayload || ev.Request.RetryAttempt != 0 {
			t.Fatalf("request = %+v", ev.Request)
		}
		b.ack(t, ev, map[string]string{"text": "pong"})
		a, err := srv.WaitForAck(ctx, sent.EnvelopeID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Type != "slash_commands" || a.Latency <= 0 || !a.AckedAt.After(a.SentAt) || string(a.Payload) != `{"text":"pong"}` {
			t.Fatalf("ack = %+v", a)
		}
	})

	t.Run("app mention", func(t *testing.T) {
		sent, err := srv.Mention("U2", "C1", "help")
		if err != nil {
			t.Fatal(err)
		}
		ev := b.next(t)
		api := ev.Data.(slackevents.EventsAPIEvent)
		mention, ok := api.InnerEvent.Data.(*slackevents.AppMentionEvent)
		if !ok || mention.Text != "<@UBOT> help" || mention.User != "U2" || mention.Channel != "C1" || mention.TimeStamp != sent.EventTS {
			t.Fatalf("event = %+v", api.InnerEvent.Data)
		}
		cb := api.Data.(*slackevents.EventsAPICallbackEvent)
		if cb.EventID != sent.EventID || ev.Request.AcceptsResponsePayload {
			t.Fatalf("callback = %+v, request %+v", cb, ev.Request)
		}
		b.ack(t, ev)
		if _, err := srv.WaitForAck(ctx, sent.EnvelopeID); err != nil {
			t.Fatal(err)
		}
		if m, ok := srv.Message("C1", sent.EventTS); !ok || m.User != "U2" || m.FromApp() {
			t.Fatalf("the user's message is not stored: %+v", m)
		}
	})

	t.Run("direct message", func(t *testing.T) {
		sent, err := srv.DirectMessage("U3", "status")
		if err != nil {
			t.Fatal(err)
		}
		ev := b.next(t)
		msg, ok := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
		if !ok || msg.ChannelType != "im" || msg.Text != "status" || msg.User != "U3" || msg.Channel != sent.Channel {
			t.Fatalf("event = %+v", ev.Data)
		}
		b.ack(t, ev)
	})

	t.Run("app home opened", func(t *testing.T) {
		if _, err := srv.HomeOpened("U1"); err != nil {
			t.Fatal(err)
		}
		ev := b.next(t)
		home, ok := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
		if !ok || home.User != "U1" || home.Tab != "home" {
			t.Fatalf("event = %+v", ev.Data)
		}
		b.ack(t, ev)
	})

	t.Run("block actions click", func(t *testing.T) {
		_, ts, err := b.api.PostMessage("C2", slack.MsgOptionText("Change CHG-7", false), slack.MsgOptionBlocks(
			slack.NewActionBlock("chg", slack.NewButtonBlockElement("change.approve", "CHG-7",
				slack.NewTextBlockObject("plain_text", "Approve", false, false)))))
		if err != nil {
			t.Fatal(err)
		}
		sent, err := srv.Click("U1", "C2", ts, "change.approve", "CHG-7")
		if err != nil {
			t.Fatal(err)
		}
		ev := b.next(t)
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok || cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
			t.Fatalf("interaction = %+v", ev.Data)
		}
		act := cb.ActionCallback.BlockActions[0]
		if act.ActionID != "change.approve" || act.Value != "CHG-7" || act.BlockID != "chg" || act.Text.Text != "Approve" {
			t.Fatalf("action = %+v", act)
		}
		if cb.User.ID != "U1" || cb.Channel.ID != "C2" || cb.Container.MessageTs != ts || cb.Message.Timestamp != ts ||
			len(cb.Message.Blocks.BlockSet) != 1 || cb.TriggerID != sent.TriggerID || cb.ResponseURL != sent.ResponseURL {
			t.Fatalf("callback = %+v", cb)
		}
		b.ack(t, ev)

		// the response_url replaces the message the button was on
		_, _, err = b.api.PostMessage("C2", slack.MsgOptionText("CHG-7 approved by alice", false),
			slack.MsgOptionReplaceOriginal(cb.ResponseURL))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := srv.Message("C2", ts)
		if m.Text != "CHG-7 approved by alice" || m.Blocks != nil || m.Edits != 1 {
			t.Fatalf("replaced message = %+v", m)
		}
		// a second click's response_url deletes it
		again, err := srv.Click("U2", "C2", ts, "change.approve", "CHG-7")
		if err != nil {
			t.Fatal(err)
		}
		b.ack(t, b.next(t))
		if _, _, err := b.api.PostMessage("C2", slack.MsgOptionDeleteOriginal(again.ResponseURL)); err != nil {
			t.Fatal(err)
		}
		if m, _ := srv.Message("C2", ts); !m.Deleted {
			t.Fatalf("delete_original left %+v", m)
		}
		posts := srv.ResponsePosts()
		if len(posts) != 2 || posts[0].Applied != "replaced" || posts[1].Applied != "deleted" || posts[1].MessageTS != ts {
			t.Fatalf("response posts = %+v", posts)
		}
	})

	envs := srv.Envelopes()
	if len(envs) != 6 {
		t.Fatalf("sent %d envelopes, want 6", len(envs))
	}
	for _, e := range envs {
		a, err := srv.WaitForAck(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Unknown || a.Latency <= 0 || a.Type != e.Type {
			t.Fatalf("ack %+v for %+v", a, e)
		}
	}
	if n := len(srv.Acks()); n != 6 {
		t.Fatalf("recorded %d acks, want 6", n)
	}
}

func TestResponseURLPostsMessages(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	sent, err := srv.SlashCommand("U2", "C1", "ops", "who")
	if err != nil {
		t.Fatal(err)
	}
	_, root, err := api.PostMessage("C1", slack.MsgOptionText("root", false))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		responseType  string
		threadTS      string
		wantEphemeral bool
	}{
		{"ephemeral by default", "", "", true},
		{"in channel", slack.ResponseTypeInChannel, "", false},
		{"in a thread", slack.ResponseTypeInChannel, root, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq := srv.MessageSeq()
			opts := []slack.MsgOption{slack.MsgOptionText(tt.name, false), slack.MsgOptionResponseURL(sent.ResponseURL, tt.responseType)}
			if tt.threadTS != "" {
				opts = append(opts, slack.MsgOptionTS(tt.threadTS))
			}
			if _, _, err := api.PostMessage("", opts...); err != nil {
				t.Fatal(err)
			}
			m, err := srv.WaitForMessageAfter(testCtx(t), seq, func(m Message) bool { return m.Text == tt.name })
			if err != nil {
				t.Fatal(err)
			}
			if m.Channel != "C1" || m.Ephemeral != tt.wantEphemeral || (tt.wantEphemeral && m.EphemeralUser != "U2") ||
				m.Source != "response_url" || m.ThreadTS != tt.threadTS {
				t.Fatalf("message = %+v", m)
			}
		})
	}
	for range 2 {
		_, _, _ = api.PostMessage("", slack.MsgOptionText("more", false), slack.MsgOptionResponseURL(sent.ResponseURL, ""))
	}
	if _, _, err := api.PostMessage("", slack.MsgOptionText("sixth", false), slack.MsgOptionResponseURL(sent.ResponseURL, "")); err == nil {
		t.Fatal("a response_url took a sixth post; Slack allows five")
	}
}

func TestNextMessagesFollowsChanges(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	ctx := testCtx(t)
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Mention("U1", "C1", "ignored: users' messages are not the app's"); err != nil {
		t.Fatal(err)
	}
	msgs, seq, err := srv.NextMessages(ctx, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Text != "v1" {
		t.Fatalf("first batch %+v, %v", msgs, err)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatal(err)
	}
	msgs, _, err = srv.NextMessages(ctx, seq)
	if err != nil || len(msgs) != 1 || msgs[0].Text != "v2" || msgs[0].TS != ts {
		t.Fatalf("second batch %+v, %v", msgs, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := srv.NextMessages(cancelled, seq+10); err == nil {
		t.Fatal("NextMessages ignored a cancelled context")
	}
}

func TestWithoutPingsTheClientTimesOut(t *testing.T) {
	srv := newTestServer(t, WithoutPings())
	// slack-go gives up on a connection that gets no ping for its interval.
	startBot(t, srv, socketmode.OptionPingInterval(100*time.Millisecond))
	testenv.Eventually(t, 10*time.Second, func() bool { return srv.ConnectCount() >= 2 }, "the client to miss a ping and reconnect")
}
