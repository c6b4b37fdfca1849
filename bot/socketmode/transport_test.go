package socketmode_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/bot/socketmode"
	"opsbot/integrations/testenv"
	"opsbot/internal/slackemu"
	"opsbot/internal/testkit"
)

type echo struct{}

func (echo) Dispatch(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	return &bot.Reply{Text: "echo " + req.Text}, nil
}

// newTransport returns a transport for cfg (tokens and URL filled from emu
// where empty).
func newTransport(emu *slackemu.Server, cfg socketmode.Config) *socketmode.Transport {
	if cfg.AppToken == "" {
		cfg.AppToken = emu.AppToken()
	}
	if cfg.BotToken == "" {
		cfg.BotToken = emu.BotToken()
	}
	cfg.APIURL = emu.APIURL()
	api := socketmode.NewAPI(cfg)
	reg := prometheus.NewRegistry()
	log := slog.New(slog.DiscardHandler)
	out := outbox.New(api, outbox.Options{}, reg, log)
	return socketmode.New(cfg, api, echo{}, out, &testkit.Deduper{}, nil, reg, log)
}

// runFor runs tr until it returns or 20 s pass, which fails the test.
func runFor(t *testing.T, tr *socketmode.Transport, meanwhile func()) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx, time.Second) }()
	if meanwhile != nil {
		meanwhile()
	}
	err := <-done
	if ctx.Err() != nil {
		t.Fatalf("Run was still retrying after 20 s (returned %v)", err)
	}
	return err
}

func TestTransportStopsOnARefusedAppToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(emu *slackemu.Server) string // returns the app token to use
		want  string
	}{
		{"wrong", func(*slackemu.Server) string { return "xapp-wrong" }, "slack refused slack.app_token (invalid_auth)"},
		{"revoked", func(emu *slackemu.Server) string {
			emu.SetTokenRevoked(emu.AppToken(), true)
			return emu.AppToken()
		}, "slack refused slack.app_token (token_revoked)"},
		{"a bot token", func(emu *slackemu.Server) string { return emu.BotToken() },
			"slack refused slack.app_token (not_allowed_token_type; it must be an app-level token (xapp-…) with connections:write)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := slackemu.New()
			t.Cleanup(emu.Close)
			tr := newTransport(emu, socketmode.Config{AppToken: tc.setup(emu)})
			err := runFor(t, tr, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTransportStopsWhenTheBotTokenIsRefusedWhileRunning(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	tr := newTransport(emu, socketmode.Config{})
	err := runFor(t, tr, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := emu.WaitConnected(ctx, 1); err != nil {
			t.Error(err)
		}
		// The transport learns of the connection from slack-go a moment
		// after the emulator does.
		testenv.Eventually(t, 10*time.Second, func() bool { return tr.Ready(ctx) == nil }, "the transport to be ready while connected")
		// Other failures do not stop it.
		tr.BotTokenRefused(&outbox.Error{Method: "chat.postMessage", Err: slack.SlackErrorResponse{Err: "channel_not_found"}})
		tr.BotTokenRefused(errors.New("connection reset"))
		tr.BotTokenRefused(&outbox.Error{Method: "chat.postMessage", Err: slack.SlackErrorResponse{Err: "token_revoked"}})
	})
	if err == nil || !strings.Contains(err.Error(), "slack refused slack.bot_token (token_revoked)") {
		t.Fatalf("Run = %v, want the bot token refused", err)
	}
}

// Given a peer that sends a view_submission with no view and a click
// whose action is null, when a command follows, then the malformed
// envelopes are acked and ignored and the command is still answered: the
// process neither exits nor stops serving.
func TestMalformedEnvelopesDoNotStopTheTransport(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	tr := newTransport(emu, socketmode.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx, time.Second) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnected(wctx, 1); err != nil {
		t.Fatal(err)
	}
	bad := []map[string]any{
		{"type": "view_submission", "user": map[string]any{"id": "U1"}},
		{"type": "view_submission", "user": map[string]any{"id": "U1"}, "view": map[string]any{"id": "V1", "state": nil}},
		{"type": "block_actions", "user": map[string]any{"id": "U1"}, "actions": []any{nil}},
	}
	for _, p := range bad {
		if _, err := emu.SendEnvelope("interactive", p); err != nil {
			t.Fatal(err)
		}
	}
	sent, err := emu.SlashCommand("U1", "C1", "/ops", "still there?")
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() bool {
		for _, p := range emu.ResponsePosts() {
			if strings.HasSuffix(sent.ResponseURL, p.ID) && strings.Contains(string(p.Body), "echo still there?") {
				return true
			}
		}
		return false
	}, "the command after the malformed envelopes to be answered")
	testenv.Eventually(t, 10*time.Second, func() bool {
		acked := map[string]bool{}
		for _, a := range emu.Acks() {
			acked[a.EnvelopeID] = true
		}
		for _, e := range emu.Envelopes() {
			if !acked[e.ID] {
				return false
			}
		}
		return true
	}, "every envelope, malformed ones included, to be acked")
}
