package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/testenv"
	"opsbot/internal/slackemu"
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
	testenv.Eventually(t, 10*time.Second, func() bool { return len(e.slack.Acks()) >= n }, fmt.Sprintf("%d acks", n))
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
	var calls []slackemu.Call
	testenv.Eventually(t, 5*time.Second, func() bool {
		calls = e.slack.CallsTo("chat.postMessage")
		return len(calls) >= 2
	}, "the second chat.postMessage call")
	if calls[0].Status != 429 {
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

// The App Home shows the domains' sections with the user's own data: the
// incident they opened is listed, and no section failed.
func TestE2EAppHomeIsPublished(t *testing.T) {
	e := startE2E(t, noLimit+incidentDesk)
	if _, err := e.slack.SlashCommand("U1", "C1", "/incident", "open sev2 search is slow"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the incident message", func(m slackemu.Message) bool {
		return m.Channel == "C1" && !m.Ephemeral && strings.Contains(string(m.Blocks), "search is slow")
	})
	if _, err := e.slack.HomeOpened("U1"); err != nil {
		t.Fatal(err)
	}
	var v slackemu.View
	eventually(t, e, "the home view is published", func() bool {
		var ok bool
		v, ok = e.slack.HomeView("U1")
		return ok
	})
	blocks := string(v.Blocks)
	if v.Type != "home" {
		t.Errorf("view type = %q, want home", v.Type)
	}
	for _, want := range []string{"/ops help", "Open incidents I'm in", "My next on-call shifts", "search is slow"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("home view lacks %q:\n%s", want, blocks)
		}
	}
	if strings.Contains(blocks, "could not load this section") {
		t.Errorf("a home section failed:\n%s", blocks)
	}
}

// startReplica starts one more `opsbot run` against emu and the Redis at
// redisAddr, serving HTTP on port, with slackExtra added to the slack
// section (e.g. a short watchdog), and waits until emu has wantConns
// connections.
func startReplica(tb testing.TB, emu *slackemu.Server, redisAddr string, port int, slackExtra string, wantConns int) *e2e {
	tb.Helper()
	cfg := fmt.Sprintf(`slack:
  app_token: %s
  bot_token: %s
  api_url: %s
%sredis:
  addrs: [%s]
http:
  listen: 127.0.0.1:%d
rbac:
  users: {U1: admin, U2: responder}
limits:
  commands_per_minute: 0
log:
  level: debug
`, emu.AppToken(), emu.BotToken(), emu.APIURL(), slackExtra, redisAddr, port)
	e := &e2e{slack: emu, logs: &syncBuffer{}, done: make(chan error, 1)}
	e.run(tb, cfg, wantConns)
	return e
}

func freePort(tb testing.TB) int {
	tb.Helper()
	p, err := testenv.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// metric reads one series from opsbot's /metrics, e.g.
// `opsbot_socket_connected` or `opsbot_socket_envelopes_total{result="duplicate",type="events_api"}`;
// a series not exported yet reads 0.
func metric(tb testing.TB, port int, series string) float64 {
	tb.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// readyz returns the status /readyz answers with, and its body.
func readyz(tb testing.TB, port int) (int, string) {
	tb.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// eventually polls cond until it holds, failing after 30 s.
func eventually(tb testing.TB, e *e2e, what string, cond func() bool) {
	tb.Helper()
	eventuallyWithin(tb, e, 30*time.Second, what, cond)
}

// eventuallyWithin polls cond until it holds, failing after within with
// the tail of opsbot's logs.
func eventuallyWithin(tb testing.TB, e *e2e, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	held := false
	defer func() {
		if !held {
			tb.Logf("opsbot logs:\n%s", tail(e.logs.String(), 30))
		}
	}()
	testenv.Eventually(tb, within, cond, what)
	held = true
}

// With no pings and no traffic, opsbot's watchdog (slack.watchdog: 5s)
// replaces the connection before slack-go's ping timeout (twice that)
// would, and commands are answered on the new one.
func TestE2EWatchdogReplacesASilentConnection(t *testing.T) {
	emu := slackemu.New(slackemu.WithoutPings())
	t.Cleanup(emu.Close)
	port := freePort(t)
	e := startReplica(t, emu, startRedisAddr(t), port, "  watchdog: 5s\n", 1)
	// The emulator sees the socket a moment before slack-go tells opsbot.
	eventually(t, e, "opsbot_socket_connected is 1", func() bool { return metric(t, port, "opsbot_socket_connected") == 1 })
	before := metric(t, port, "opsbot_socket_reconnects_total")
	eventually(t, e, "the watchdog fired", func() bool { return metric(t, port, "opsbot_socket_watchdog_total") >= 1 })
	eventually(t, e, "a reconnect was counted", func() bool { return metric(t, port, "opsbot_socket_reconnects_total") > before })
	// The first reconnect is the watchdog's: its line comes before the
	// second "connected". (slack-go's ping timeout reconnects silently.)
	logs := e.logs.String()
	fired := strings.Index(logs, "nothing received from Slack for too long; reconnecting")
	first := strings.Index(logs, "socket mode connected")
	second := -1
	if first >= 0 {
		if i := strings.Index(logs[first+1:], "socket mode connected"); i >= 0 {
			second = first + 1 + i
		}
	}
	if fired < 0 || (second >= 0 && second < fired) {
		t.Errorf("the first reconnect was not the watchdog's:\n%s", tail(logs, 30))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := emu.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.SlashCommand("U2", "C1", "/ops", "ping"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "pong after the watchdog's reconnect", contains("pong"))
}

// /readyz and opsbot_socket_connected follow the real connection: ready
// while connected, not ready once it has been down for slack.watchdog,
// ready again after the reconnect, which is counted.
func TestE2EReadyzFollowsTheSlackConnection(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	port := freePort(t)
	e := startReplica(t, emu, startRedisAddr(t), port, "  watchdog: 5s\n", 1)
	// The emulator counts the socket as connected a moment before
	// slack-go tells opsbot so: wait for opsbot's view, don't assume it.
	eventually(t, e, "/readyz ready once connected", func() bool { code, _ := readyz(t, port); return code == http.StatusOK })
	eventually(t, e, "opsbot_socket_connected is 1", func() bool { return metric(t, port, "opsbot_socket_connected") == 1 })
	// Slack goes away: the socket drops and apps.connections.open fails.
	emu.FailNext("apps.connections.open", 1_000_000)
	emu.DropConnections()
	eventually(t, e, "opsbot_socket_connected is 0", func() bool { return metric(t, port, "opsbot_socket_connected") == 0 })
	var body string
	eventually(t, e, "/readyz reports Slack down", func() bool {
		var code int
		code, body = readyz(t, port)
		return code == http.StatusServiceUnavailable
	})
	if !strings.Contains(body, "slack") {
		t.Errorf("/readyz body does not name Slack: %s", body)
	}
	emu.ClearFailures("apps.connections.open")
	eventually(t, e, "/readyz ready again", func() bool { code, _ := readyz(t, port); return code == http.StatusOK })
	eventually(t, e, "opsbot_socket_connected is 1 after the reconnect", func() bool { return metric(t, port, "opsbot_socket_connected") == 1 })
	if got := metric(t, port, "opsbot_socket_reconnects_total"); got < 1 {
		t.Errorf("opsbot_socket_reconnects_total = %v, want at least 1", got)
	}
	if _, err := emu.SlashCommand("U2", "C1", "/ops", "ping"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "pong after the outage", contains("pong"))
}

// countPosts counts the app's messages in channel (response_url posts
// included) whose text has s.
func countPosts(e *e2e, channel, s string) int {
	n := 0
	for _, m := range e.slack.Messages(channel) {
		if m.FromApp() && strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// A mention, a DM and a click redelivered by Slack (new envelope id, same
// event_id or trigger_id) are each answered once.
func TestE2ERedeliveredEventsAndClicksHaveOneEffect(t *testing.T) {
	port := freePort(t)
	e := startE2E(t, noLimit, withHTTPPort(port))
	mention, err := e.slack.Mention("U2", "C2", "whoami")
	if err != nil {
		t.Fatal(err)
	}
	reply := e.waitFor(t, "the mention's reply", contains("responder role"))
	dm, err := e.slack.DirectMessage("U1", "help whoami")
	if err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the DM's reply", contains("*whoami*"))
	click, err := e.slack.Click("U2", "C2", reply.TS, "retired.button", "X-1")
	if err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the click's answer", contains("no longer handled"))
	for _, s := range []slackemu.Sent{mention, dm, click} {
		for _, reason := range []string{"timeout", "http_error"} {
			again, err := e.slack.Redeliver(s.EnvelopeID, reason)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err = e.slack.WaitForAck(ctx, again.EnvelopeID)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	// Each redelivery is dropped after its ack, in its own goroutine:
	// wait until opsbot has counted all of them.
	eventually(t, e, "4 events and 2 clicks dropped as duplicates", func() bool {
		return metric(t, port, `opsbot_socket_envelopes_total{result="duplicate",type="events_api"}`) == 4 &&
			metric(t, port, `opsbot_socket_envelopes_total{result="duplicate",type="interactive"}`) == 2
	})
	dmChannel, _ := e.slack.DMChannel("U1")
	for _, c := range []struct{ channel, text string }{{"C2", "responder role"}, {dmChannel, "*whoami*"}, {"C2", "no longer handled"}} {
		if n := countPosts(e, c.channel, c.text); n != 1 {
			t.Errorf("%q answered %d times, want once", c.text, n)
		}
	}
}

// Two opsbot processes on one Redis, each with a connection: Slack spreads
// envelopes between them and may redeliver to the other; every command is
// answered once.
func TestE2ETwoReplicasAnswerEachCommandOnce(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	redis := startRedisAddr(t)
	a := startReplica(t, emu, redis, freePort(t), "", 1)
	startReplica(t, emu, redis, freePort(t), "", 2)
	const n = 20
	var sent []slackemu.Sent
	for i := 0; i < n; i++ {
		s, err := emu.SlashCommand("U2", "C1", "/ops", fmt.Sprintf("probe-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := emu.Redeliver(s.EnvelopeID, "timeout"); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, s)
	}
	eventually(t, a, "every envelope acked", func() bool { return len(emu.Acks()) >= 2*n })
	conns := map[string]map[int]bool{}
	for _, env := range emu.Envelopes() {
		if conns[env.FirstID] == nil {
			conns[env.FirstID] = map[int]bool{}
		}
		conns[env.FirstID][env.ConnID] = true
	}
	across := 0
	for _, s := range sent {
		if len(conns[s.EnvelopeID]) == 2 {
			across++
		}
	}
	if across == 0 {
		t.Fatal("no command went to both replicas; the test proves nothing")
	}
	if _, err := emu.SlashCommand("U2", "C1", "/ops", "ping"); err != nil {
		t.Fatal(err)
	}
	a.waitFor(t, "pong after the probes", contains("pong"))
	for i := 0; i < n; i++ {
		probe := fmt.Sprintf(`command "probe-%d"`, i)
		eventually(t, a, "probe answered", func() bool { return countPosts(a, "C1", probe) > 0 })
		if c := countPosts(a, "C1", probe); c != 1 {
			t.Errorf("probe-%d answered %d times (%d of %d went to both replicas)", i, c, across, n)
		}
	}
}

// SIGTERM while a reply is still on its way (held up by a 429 from
// chat.postMessage) lets it finish: the reply arrives and opsbot exits 0.
func TestE2EShutdownDrainsHandlersInFlight(t *testing.T) {
	e := startE2E(t, noLimit)
	e.slack.SetRateLimit("chat.postMessage", "C2", 2*time.Second, 1)
	if _, err := e.slack.Mention("U2", "C2", "ping"); err != nil {
		t.Fatal(err)
	}
	eventually(t, e, "the reply was rate limited", func() bool { return len(e.slack.CallsTo("chat.postMessage")) >= 1 })
	e.terminate(t, 25*time.Second)
	if n := countPosts(e, "C2", "pong"); n != 1 {
		t.Errorf("the reply in flight at SIGTERM was posted %d times, want once\n%s", n, tail(e.logs.String(), 20))
	}
}
