package slackemu

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestRateLimitWindows(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	const window = 300 * time.Millisecond
	set := time.Now()
	srv.SetRateLimitWindows("chat.postMessage", "C1", window, 2, 1500*time.Millisecond)

	post := func(channel string) error {
		_, _, err := api.PostMessage(channel, slack.MsgOptionText("x", false))
		return err
	}
	limited := func(what string, err error) {
		t.Helper()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			t.Fatalf("%s: want *slack.RateLimitedError, got %T %v", what, err, err)
		}
		if rl.RetryAfter != 2*time.Second {
			t.Fatalf("%s: RetryAfter = %v, want 2s (rounded up)", what, rl.RetryAfter)
		}
	}
	limited("first call of the window", post("C1"))
	if err := post("C2"); err != nil {
		t.Fatalf("other channel: %v", err)
	}
	limited("second call of the window", post("C1"))
	if err := post("C1"); err != nil && time.Since(set) < window {
		t.Fatalf("third call of the window: %v", err)
	}
	// A window later, a new window starts with its own first two calls.
	last := time.Now()
	for time.Since(last) < window {
		time.Sleep(window / 10)
	}
	limited("first call of the next window", post("C1"))
}
