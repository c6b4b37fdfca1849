package slackemu

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestRateLimit(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	srv.SetRateLimit("chat.postMessage", "C1", 1500*time.Millisecond, 2)

	tests := []struct {
		name      string
		channel   string
		wantRetry time.Duration // 0: the call goes through
	}{
		{"first limited call", "C1", 2 * time.Second},
		{"other channel is not limited", "C2", 0},
		{"second limited call", "C1", 2 * time.Second},
		{"limit used up", "C1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessage(tt.channel, slack.MsgOptionText("x", false))
			if tt.wantRetry == 0 {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			var rl *slack.RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("want *slack.RateLimitedError, got %T %v", err, err)
			}
			if rl.RetryAfter != tt.wantRetry {
				t.Fatalf("RetryAfter = %v, want %v (rounded up)", rl.RetryAfter, tt.wantRetry)
			}
		})
	}
	limited := 0
	for _, c := range srv.CallsTo("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests && c.Error == "ratelimited" {
			limited++
		}
	}
	if limited != 2 {
		t.Fatalf("recorded %d rate-limited calls, want 2", limited)
	}
	if n := len(srv.Messages("C1")); n != 1 {
		t.Fatalf("C1 has %d messages, want 1", n)
	}

	srv.SetRateLimit("users.info", "", time.Second, 1)
	if _, err := api.GetUserInfo("U1"); !errors.As(err, new(*slack.RateLimitedError)) {
		t.Fatalf("any-channel limit: %v", err)
	}
}

func TestFailNext(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	srv.FailNext("chat.update", 1)
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
	if err != nil {
		t.Fatalf("other methods are not affected: %v", err)
	}
	_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusInternalServerError {
		t.Fatalf("want HTTP 500, got %T %v", err, err)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false)); err != nil {
		t.Fatalf("after the failure: %v", err)
	}
}

func TestClearFailures(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	srv.FailNext("chat.postMessage", 100)
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err == nil {
		t.Fatal("FailNext had no effect")
	}
	srv.ClearFailures("chat.postMessage")
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err != nil {
		t.Fatalf("after ClearFailures: %v", err)
	}
}
