package main

import (
	"strings"
	"testing"
	"time"

	"opsbot/bot/slackemu"
)

func contains(s string) func(slackemu.Message) bool {
	return func(m slackemu.Message) bool { return strings.Contains(m.Text, s) }
}

func TestE2ESlashMentionDMAndClick(t *testing.T) {
	e := startE2E(t, "")
	// A slash command is answered privately, through its response_url.
	if _, err := e.slack.SlashCommand("U2", "C1", "/ops", "ping"); err != nil {
		t.Fatal(err)
	}
	m := e.waitFor(t, "pong", contains("pong"))
	if !m.Ephemeral || m.EphemeralUser != "U2" {
		t.Errorf("slash reply = %+v, want ephemeral to U2", m)
	}
	// A mention is answered in its thread.
	sent, err := e.slack.Mention("U2", "C2", "whoami")
	if err != nil {
		t.Fatal(err)
	}
	threaded := e.waitFor(t, "whoami reply", contains("responder role"))
	if threaded.Channel != "C2" || threaded.ThreadTS != sent.EventTS {
		t.Errorf("mention reply in %s thread %q, want C2 thread %q", threaded.Channel, threaded.ThreadTS, sent.EventTS)
	}
	// A DM is answered in the DM.
	if _, err := e.slack.DirectMessage("U1", "help ping"); err != nil {
		t.Fatal(err)
	}
	dm, _ := e.slack.DMChannel("U1")
	m = e.waitFor(t, "DM reply", contains("Needs role: viewer"))
	if m.Channel != dm {
		t.Errorf("DM reply in %s, want %s", m.Channel, dm)
	}
	// An alias slash command reads as its verb group.
	if _, err := e.slack.SlashCommand("U2", "C1", "/incident", "opne"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "alias answer", contains("`incident` has no command \"opne\". Did you mean `incident open`?"))
	// A click reaches the router: a button nothing handles says so.
	if _, err := e.slack.Click("U2", "C2", threaded.TS, "retired.button", "X-1"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "click answer", contains("this button (retired.button) is no longer handled"))
	// A denial says which role is needed.
	if _, err := e.slack.SlashCommand("U2", "C1", "/ops", "audit"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "denial", contains("`audit` needs the admin role and you are a responder; ask <@U1>."))
	// Every envelope was acked.
	for _, a := range e.slack.Acks() {
		if a.Unknown {
			t.Errorf("ack of an unknown envelope: %+v", a)
		}
	}
}

func TestE2ERedeliveryHasOneEffect(t *testing.T) {
	e := startE2E(t, "")
	first, err := e.slack.SlashCommand("U2", "C1", "/ops", "ping")
	if err != nil {
		t.Fatal(err)
	}
	// Slack redelivers with a new envelope id but the same trigger_id.
	payload := map[string]any{"command": "/ops", "text": "ping", "user_id": "U2", "user_name": "bob", "channel_id": "C1",
		"team_id": "T1", "trigger_id": first.TriggerID, "response_url": first.ResponseURL}
	for i := 0; i < 2; i++ {
		if _, err := e.slack.SendEnvelope("slash_commands", payload); err != nil {
			t.Fatal(err)
		}
	}
	e.waitFor(t, "pong", contains("pong"))
	waitAcks(t, e, 3)
	if _, err := e.slack.SlashCommand("U2", "C1", "/ops", "whoami"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the command after the duplicates", contains("responder role"))
	n := 0
	for _, p := range e.slack.ResponsePosts() {
		if strings.Contains(string(p.Body), "pong") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the same slash command three times gave %d answers, want 1; acks: %+v\n%s", n, e.slack.Acks(), tail(e.logs.String(), 20))
	}
}

func waitAcks(t *testing.T, e *e2e, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(e.slack.Acks()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d acks, want %d", len(e.slack.Acks()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestE2ESurvivesDisconnectAndDrop(t *testing.T) {
	e := startE2E(t, "")
	for i, cut := range []func(){func() { e.slack.Disconnect("refresh_requested") }, e.slack.DropConnections} {
		before := e.slack.ConnectCount()
		cut()
		waitReconnect(t, e, before)
		if _, err := e.slack.SlashCommand("U2", "C1", "/ops", "help "+[]string{"ping", "whoami"}[i]); err != nil {
			t.Fatal(err)
		}
		e.waitFor(t, "an answer after the cut", contains("*"+[]string{"ping", "whoami"}[i]+"*"))
	}
}

func TestE2ERateLimitedPostIsDelayedNotLost(t *testing.T) {
	e := startE2E(t, "")
	e.slack.SetRateLimit("chat.postMessage", "C2", 2*time.Second, 1)
	if _, err := e.slack.Mention("U2", "C2", "ping"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the rate-limited reply", contains("pong"))
	// The emulator stores the message just before it records the call.
	calls := e.slack.CallsTo("chat.postMessage")
	for deadline := time.Now().Add(5 * time.Second); len(calls) < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		calls = e.slack.CallsTo("chat.postMessage")
	}
	if len(calls) < 2 || calls[0].Status != 429 {
		t.Fatalf("calls = %+v, want a 429 then a success", calls)
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < 2*time.Second {
		t.Errorf("retried %s after the 429, before Retry-After (2s)", gap)
	}
}

func TestE2EMalformedEnvelopesDoNoHarm(t *testing.T) {
	e := startE2E(t, "")
	_ = e.slack.SendRaw([]byte(`{"envelope_id":"x1","type":"slash_commands","payload":{not json`))
	_ = e.slack.SendRaw([]byte("\x00\xff garbage"))
	if _, err := e.slack.SendEnvelope("mystery_type", map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.slack.SendEnvelope("events_api", map[string]any{"type": "event_callback", "event": map[string]any{"type": "reaction_added"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.slack.SlashCommand("U2", "C1", "/ops", "ping "+strings.Repeat("x", 1<<20)); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the answer to 1 MB of text", contains("characters long; opsbot reads commands of up to"))
	if _, err := e.slack.SlashCommand("U2", "C1", "/ops", "ping"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "pong after the garbage", contains("pong"))
}

func TestE2EBadTokenStopsWithAClearMessage(t *testing.T) {
	bin := opsbotBinary(t)
	redis := startRedisAddr(t)
	for _, tc := range []struct {
		name string
		// tokens returns the app and bot tokens to configure.
		tokens func(s *slackemu.Server) (app, bot string)
		want   string
	}{
		{"wrong bot token", func(s *slackemu.Server) (string, string) { return "xapp-wrong", "xoxb-wrong" },
			"slack refused slack.bot_token (invalid_auth)"},
		{"wrong app token", func(s *slackemu.Server) (string, string) { return "xapp-wrong", s.BotToken() },
			"slack refused slack.app_token (invalid_auth)"},
		{"revoked app token", func(s *slackemu.Server) (string, string) {
			s.SetTokenRevoked(s.AppToken(), true)
			return s.AppToken(), s.BotToken()
		}, "slack refused slack.app_token (token_revoked)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := slackemu.New()
			defer s.Close()
			app, botToken := tc.tokens(s)
			path := t.TempDir() + "/c.yaml"
			cfg := "slack:\n  app_token: " + app + "\n  bot_token: " + botToken + "\n  api_url: " + s.APIURL() +
				"\nredis:\n  addrs: [" + redis + "]\nhttp:\n  listen: 127.0.0.1:0\nrbac:\n  users: {U1: admin}\n"
			writeFile(t, path, cfg)
			out, err := runBinary(bin, "run", "-config", path)
			if err == nil {
				t.Fatalf("opsbot ran with a refused token\n%s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if n := len(s.CallsTo("apps.connections.open")); n > 1 {
				t.Errorf("apps.connections.open called %d times: a refused token was retried", n)
			}
		})
	}
}

// A token revoked while opsbot runs stops it with a message naming the
// token, instead of failing every post (bot token) or reconnecting
// forever (app token).
func TestE2ETokenRevokedWhileRunningStops(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token func(s *slackemu.Server) string
		cause func(e *e2e) error
		want  string
	}{
		{"bot token", (*slackemu.Server).BotToken, func(e *e2e) error {
			_, err := e.slack.Mention("U2", "C2", "ping")
			return err
		}, "slack refused slack.bot_token (token_revoked)"},
		{"app token", (*slackemu.Server).AppToken, func(e *e2e) error {
			e.slack.DropConnections()
			return nil
		}, "slack refused slack.app_token (token_revoked)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startE2E(t, "")
			e.slack.SetTokenRevoked(tc.token(e.slack), true)
			if err := tc.cause(e); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-e.done:
				e.done <- err // for stop
				if err == nil {
					t.Fatalf("opsbot exited 0 after its token was revoked\n%s", tail(e.logs.String(), 20))
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("opsbot still runs with a revoked %s\n%s", tc.name, tail(e.logs.String(), 20))
			}
			if !strings.Contains(e.logs.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, tail(e.logs.String(), 20))
			}
		})
	}
}

func TestE2EAppHomeIsPublished(t *testing.T) {
	e := startE2E(t, "")
	if _, err := e.slack.HomeOpened("U2"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, ok := e.slack.HomeView("U2"); ok {
			if v.Type != "home" || !strings.Contains(string(v.Blocks), "/ops help") {
				t.Errorf("home view = %s", v.Blocks)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no home view published\n%s", tail(e.logs.String(), 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
