package slackemu

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer starts an emulator with short intervals, closed with the test.
func newTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	srv := New(append([]Option{WithPingInterval(50 * time.Millisecond), WithDisconnectGrace(10 * time.Millisecond)}, opts...)...)
	tb.Cleanup(srv.Close)
	return srv
}

// newAPI returns a slack-go client for srv with its own transport, so its
// idle connections can be closed with the test.
func newAPI(tb testing.TB, srv *Server, token string) *slack.Client {
	tb.Helper()
	tr := &http.Transport{}
	tb.Cleanup(tr.CloseIdleConnections)
	return slack.New(token,
		slack.OptionAPIURL(srv.APIURL()),
		slack.OptionAppLevelToken(srv.AppToken()),
		slack.OptionHTTPClient(&http.Client{Transport: tr}))
}

func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// testBot is a slack-go socketmode.Client connected to the emulator; the
// envelopes it receives wait in events for the test to look at and ack.
type testBot struct {
	api    *slack.Client
	client *socketmode.Client
	events chan socketmode.Event
	other  chan socketmode.Event
}

func startBot(tb testing.TB, srv *Server, opts ...socketmode.Option) *testBot {
	tb.Helper()
	api := newAPI(tb, srv, srv.BotToken())
	b := &testBot{
		api:    api,
		client: socketmode.New(api, opts...),
		events: make(chan socketmode.Event, 256),
		other:  make(chan socketmode.Event, 256),
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	pumpDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = b.client.RunContext(ctx)
	}()
	go func() {
		defer close(pumpDone)
		for {
			select {
			case ev := <-b.client.Events:
				out := b.other
				switch ev.Type {
				case socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive:
					out = b.events
				}
				select {
				case out <- ev:
				default: // nobody looks at these; never stall the client
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	tb.Cleanup(func() {
		cancel()
		<-runDone
		<-pumpDone
	})
	return b
}

// next returns the next envelope the bot received.
func (b *testBot) next(tb testing.TB) socketmode.Event {
	tb.Helper()
	select {
	case ev := <-b.events:
		return ev
	case <-time.After(10 * time.Second):
		tb.Fatal("no envelope arrived within 10s")
		return socketmode.Event{}
	}
}

// nextOther returns the next non-envelope event whose type is typ.
func (b *testBot) nextOther(tb testing.TB, typ socketmode.EventType) socketmode.Event {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-b.other:
			if ev.Type == typ {
				return ev
			}
		case <-deadline:
			tb.Fatalf("no %s event within 10s", typ)
			return socketmode.Event{}
		}
	}
}

// ack acknowledges an envelope, with an optional payload.
func (b *testBot) ack(tb testing.TB, ev socketmode.Event, payload ...any) {
	tb.Helper()
	if ev.Request == nil {
		tb.Fatal("event has no request to ack")
	}
	if err := b.client.Ack(*ev.Request, payload...); err != nil {
		tb.Fatalf("ack: %v", err)
	}
}
