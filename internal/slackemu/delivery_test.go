package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"opsbot/integrations/testenv"
)

func TestRedelivery(t *testing.T) {
	srv := newTestServer(t, WithRedeliveryDelay(50*time.Millisecond), WithMaxRetries(2))
	b := startBot(t, srv)
	ctx := testCtx(t)
	sent, err := srv.SlashCommand("U1", "C1", "/ops", "slow")
	if err != nil {
		t.Fatal(err)
	}
	first := b.next(t) // not acked
	retry := b.next(t)
	if retry.Request.RetryAttempt != 1 || retry.Request.RetryReason != "timeout" {
		t.Fatalf("retry request = %+v", retry.Request)
	}
	if retry.Request.EnvelopeID == first.Request.EnvelopeID {
		t.Fatal("redelivery reused the envelope id")
	}
	if got, want := retry.Data.(slack.SlashCommand).TriggerID, first.Data.(slack.SlashCommand).TriggerID; got != want || got != sent.TriggerID {
		t.Fatalf("redelivery trigger_id %q, first %q", got, want)
	}
	b.ack(t, retry)
	a, err := srv.WaitForAck(ctx, sent.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if a.EnvelopeID != retry.Request.EnvelopeID || a.RetryAttempt != 1 || a.FirstID != sent.EnvelopeID {
		t.Fatalf("ack = %+v", a)
	}

	// an envelope nobody acks goes out 1 + 2 times, then Slack gives up
	gone, err := srv.SendEnvelope("events_api", json.RawMessage(`{"type":"event_callback","token":"t","event":{"type":"app_mention","text":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for want := 0; want <= 2; want++ {
		ev := b.next(t)
		if ev.Request.RetryAttempt != want {
			t.Fatalf("delivery %d has retry_attempt %d", want, ev.Request.RetryAttempt)
		}
	}
	waitUntil(t, func() bool {
		for _, e := range srv.Envelopes() {
			if e.FirstID == gone.EnvelopeID && e.RetryAttempt == 2 && !e.SentAt.IsZero() {
				return true
			}
		}
		return false
	})
	n := 0
	for _, e := range srv.Envelopes() {
		if e.FirstID == gone.EnvelopeID {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}
}

// waitUntil polls cond with a deadline, for conditions no hub signals.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, cond, "the condition")
}

func TestReconnects(t *testing.T) {
	tests := []struct {
		name  string
		cause func(*Server)
	}{
		{"disconnect refresh_requested", func(s *Server) { s.Disconnect("refresh_requested") }},
		{"disconnect warning", func(s *Server) { s.Disconnect("warning") }},
		{"dropped connections", func(s *Server) { s.DropConnections() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			b := startBot(t, srv)
			ctx := testCtx(t)
			if err := srv.WaitConnected(ctx, 1); err != nil {
				t.Fatal(err)
			}
			tt.cause(srv)
			if err := srv.WaitConnected(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if got := srv.ConnectCount(); got != 2 {
				t.Fatalf("ConnectCount = %d, want 2", got)
			}
			sent, err := srv.SlashCommand("U1", "C1", "/ops", "after reconnect")
			if err != nil {
				t.Fatal(err)
			}
			ev := b.next(t)
			if ev.Request.EnvelopeID != sent.EnvelopeID {
				t.Fatalf("got envelope %s, want %s", ev.Request.EnvelopeID, sent.EnvelopeID)
			}
			b.ack(t, ev)
			a, err := srv.WaitForAck(ctx, sent.EnvelopeID)
			if err != nil {
				t.Fatal(err)
			}
			if a.ConnID != 2 {
				t.Fatalf("acked on connection %d, want the new one", a.ConnID)
			}
		})
	}
}

func TestQueuedUntilConnected(t *testing.T) {
	srv := newTestServer(t)
	sent, err := srv.SlashCommand("U1", "C1", "/ops", "early")
	if err != nil {
		t.Fatal(err)
	}
	b := startBot(t, srv)
	ev := b.next(t)
	if ev.Request.EnvelopeID != sent.EnvelopeID {
		t.Fatalf("got %s, want the queued %s", ev.Request.EnvelopeID, sent.EnvelopeID)
	}
	b.ack(t, ev)
	if _, err := srv.WaitForAck(testCtx(t), sent.EnvelopeID); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionsShareEnvelopes(t *testing.T) {
	srv := newTestServer(t)
	b1 := startBot(t, srv)
	ctx := testCtx(t)
	if err := srv.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	b2 := startBot(t, srv)
	if err := srv.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	const n = 10
	ids := make([]string, n)
	for i := range ids {
		sent, err := srv.Mention("U1", "C1", "hi")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = sent.EnvelopeID
	}
	got := map[*testBot]int{}
	for range n {
		select {
		case ev := <-b1.events:
			b1.ack(t, ev)
			got[b1]++
		case ev := <-b2.events:
			b2.ack(t, ev)
			got[b2]++
		case <-ctx.Done():
			t.Fatal("envelopes missing")
		}
	}
	if got[b1] != n/2 || got[b2] != n/2 {
		t.Fatalf("round robin gave %d and %d", got[b1], got[b2])
	}
	conns := map[int]bool{}
	for _, id := range ids {
		a, err := srv.WaitForAck(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		conns[a.ConnID] = true
	}
	if len(conns) != 2 {
		t.Fatalf("acks came over %d connections, want 2", len(conns))
	}
}

// dialRaw opens a Socket Mode connection with a plain gorilla client.
func dialRaw(t *testing.T, srv *Server) *websocket.Conn {
	t.Helper()
	_, wsURL, err := newAPI(t, srv, srv.BotToken()).StartSocketModeContext(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	ws, resp, err := websocket.DefaultDialer.DialContext(testCtx(t), wsURL, map[string][]string{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

func TestHelloAndPings(t *testing.T) {
	srv := newTestServer(t, WithPingInterval(20*time.Millisecond))
	ws := dialRaw(t, srv)
	var hello socketmode.Request
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	if hello.Type != "hello" || hello.NumConnections != 1 || hello.ConnectionInfo.AppID != AppID || hello.DebugInfo.Host == "" {
		t.Fatalf("hello = %+v", hello)
	}
	pinged := make(chan struct{}, 1)
	ws.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(10 * time.Second):
		t.Fatal("no ping frame")
	}
	_ = ws.Close()
	<-readDone

	ws2 := dialRaw(t, srv)
	_, _, _ = ws2.ReadMessage() // hello
	if err := ws2.WriteMessage(websocket.TextMessage, []byte("not an ack")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return len(srv.BadFrames()) == 1 })

	if _, err := dialURL(t, srv.URL()+"/link/?ticket=forged"); err == nil {
		t.Fatal("a forged ticket was accepted")
	}
}

func dialURL(t *testing.T, u string) (*websocket.Conn, error) {
	ws, resp, err := websocket.DefaultDialer.DialContext(testCtx(t), "ws"+u[len("http"):], nil)
	if resp != nil {
		_ = resp.Body.Close()
	}
	if ws != nil {
		_ = ws.Close()
	}
	return ws, err
}

func TestMalformedInput(t *testing.T) {
	srv := newTestServer(t)
	b := startBot(t, srv)
	if err := srv.SendRaw([]byte(`{"type":"events_api","envelope_id":"x","payload":{"type":"event_callback","event":`)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SendEnvelope("no_such_type", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	b.nextOther(t, socketmode.EventTypeErrorBadMessage)
	sent, err := srv.SlashCommand("U1", "C1", "/ops", "still alive")
	if err != nil {
		t.Fatal(err)
	}
	ev := b.next(t)
	if ev.Request.EnvelopeID != sent.EnvelopeID {
		t.Fatalf("got %s, want %s", ev.Request.EnvelopeID, sent.EnvelopeID)
	}
	if srv.ConnectCount() != 1 {
		t.Fatalf("malformed input cost a reconnect: %d connections", srv.ConnectCount())
	}
}

func TestDriverErrors(t *testing.T) {
	srv := newTestServer(t)
	if err := srv.AddChannel(Channel{ID: "C3", Name: "nobot", Members: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"unknown user", func() error { _, err := srv.SlashCommand("U404", "C1", "/ops", ""); return err }, ErrUnknownUser},
		{"unknown channel", func() error { _, err := srv.SlashCommand("U1", "C404", "/ops", ""); return err }, ErrUnknownChannel},
		{"bot not in channel", func() error { _, err := srv.Mention("U1", "C3", "hi"); return err }, ErrNotInChannel},
		{"click unknown message", func() error { _, err := srv.Click("U1", "C1", "1.000001", "a", "b"); return err }, ErrNoSuchMessage},
		{"submit unknown view", func() error {
			_, err := srv.SubmitView(context.Background(), "U1", "V404", nil)
			return err
		}, ErrNoSuchView},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
	srv.Close()
	if _, err := srv.SlashCommand("U1", "C1", "/ops", ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestRedeliverAnAckedEnvelope(t *testing.T) {
	srv := newTestServer(t, WithRedeliveryDelay(0))
	b := startBot(t, srv)
	ctx := testCtx(t)
	sent, err := srv.Mention("U1", "C1", "ping")
	if err != nil {
		t.Fatal(err)
	}
	first := b.next(t)
	b.ack(t, first)
	if _, err := srv.WaitForAck(ctx, sent.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	again, err := srv.Redeliver(sent.EnvelopeID, "http_error")
	if err != nil {
		t.Fatal(err)
	}
	ev := b.next(t)
	if ev.Request.EnvelopeID != again.EnvelopeID || ev.Request.RetryAttempt != 1 || ev.Request.RetryReason != "http_error" {
		t.Fatalf("redelivery = %+v", ev.Request)
	}
	if string(ev.Request.Payload) != string(first.Request.Payload) {
		t.Fatalf("redelivered payload %s, first %s", ev.Request.Payload, first.Request.Payload)
	}
	b.ack(t, ev)
	if a, err := srv.WaitForAck(ctx, sent.EnvelopeID); err != nil || a.EnvelopeID != sent.EnvelopeID {
		t.Fatalf("the first ack of the payload = %+v, %v; want the first envelope's", a, err)
	}
	if _, err := srv.Redeliver("nope", "timeout"); err == nil {
		t.Fatal("redelivered an unknown envelope")
	}
}
