package monitor

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// A channel whose posts fail is tried again after doubling waits (by the
// service's clock), while another channel keeps getting its messages.
func TestRetryBackoffPerChannel(t *testing.T) {
	clk := testkit.NewClock(t0)
	// the first 3 posts to CX fail; when (by the clock) each was tried
	var mu sync.Mutex
	var attempts []time.Time
	chat := testkit.NewChat()
	chat.Fail = func(method, channel string) error {
		if method != "post" || channel != "CX" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, clk.Now())
		if len(attempts) <= 3 {
			return slack.SlackErrorResponse{Err: "not_in_channel"}
		}
		return nil
	}
	s := newTestService(t, Config{
		Routes: []RouteConfig{{Match: `team="x"`, Channel: "CX"}, {Match: `team="y"`, Channel: "CY"}},
	}, Deps{Chat: chat, Clock: clk.Now})
	ctx := context.Background()
	post(t, s.Webhook(), payload("x1", alertmanager.StatusFiring, map[string]string{"alertname": "X", "team": "x"}, 1, t0))
	post(t, s.Webhook(), payload("y1", alertmanager.StatusFiring, map[string]string{"alertname": "Y1", "team": "y"}, 1, t0))

	l := newDeliveryLoop(s)
	yPosted := map[string]time.Duration{} // alert name -> when (since t0) it reached CY
	for step := range 60 {
		if step == 5 { // a new group for the healthy channel while CX rests
			post(t, s.Webhook(), payload("y2", alertmanager.StatusFiring, map[string]string{"alertname": "Y2", "team": "y"}, 1, t0))
		}
		l.round(ctx)
		l.wg.Wait()
		for _, p := range chat.Posts() {
			if name := p.Msg.Text[len("[FIRING:1] "):]; p.Channel == "CY" {
				if _, ok := yPosted[name]; !ok {
					yPosted[name] = clk.Now().Sub(t0)
				}
			}
		}
		clk.Add(time.Second)
	}

	var got []time.Duration
	mu.Lock()
	defer mu.Unlock()
	for _, a := range attempts {
		got = append(got, a.Sub(t0))
	}
	// 3 failures: rest 2×runInterval, then 4×, then 8×; the 4th try works.
	want := []time.Duration{0, retryWait(1), retryWait(1) + retryWait(2), retryWait(1) + retryWait(2) + retryWait(3)}
	if !slices.Equal(got, want) {
		t.Errorf("posts to CX tried at %v, want %v", got, want)
	}
	if want[3] != 28*time.Second {
		t.Errorf("backoff %v, want waits of 4s, 8s, 16s", want)
	}
	if yPosted["Y1"] != 0 || yPosted["Y2"] != 5*time.Second {
		t.Errorf("CY messages posted at %v, want Y1 at 0s and Y2 at 5s (not held up by CX)", yPosted)
	}
	if len(l.failures) != 0 || len(l.retryAt) != 0 {
		t.Errorf("after the success CX still rests: %v %v", l.failures, l.retryAt)
	}
	if cx := len(chat.Posted("CX")); cx != 1 {
		t.Errorf("%d messages in CX, want 1", cx)
	}
}

func TestRetryWaitIsCapped(t *testing.T) {
	if got := retryWait(30); got != maxRetryWait {
		t.Errorf("retryWait(30) = %v, want %v", got, maxRetryWait)
	}
}
