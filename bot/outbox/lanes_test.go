package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/integrations/testenv"
	"opsbot/internal/slackemu"
)

// postInOrder starts one goroutine per text, each posting it to channel,
// and starts the next only once the outbox has queued the previous one:
// the queue order is the order of texts, while all of them wait at once.
func postInOrder(t *testing.T, o *outbox.Outbox, ctx context.Context, channel string, texts []string) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	base := o.Joined(channel)
	for i, text := range texts {
		wg.Go(func() {
			if _, err := o.Post(ctx, bot.Message{Channel: channel, Text: text}); err != nil && ctx.Err() == nil {
				t.Errorf("post %s: %v", text, err)
			}
		})
		testenv.Eventually(t, 10*time.Second, func() bool { return o.Joined(channel) > base+i }, "post "+text+" queued")
	}
	return &wg
}

func TestARateLimitedChannelSendsInQueueOrderAndWaitsOutRetryAfter(t *testing.T) {
	// Given a channel whose first chat.postMessage of every 1.5 s answers
	// 429 with Retry-After: 1; at 50 a second, the 50 posts below take
	// longer than one window after the first 429, so a second one comes
	// while most of them wait
	o, s, _ := setup(t, outbox.Options{PerSecond: 50, Burst: 3})
	const retryAfter = time.Second
	s.SetRateLimitWindows("chat.postMessage", "C1", 1500*time.Millisecond, 1, retryAfter)

	// When 50 goroutines post to it, queued in a known order
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("m%02d", i))
	}
	postInOrder(t, o, context.Background(), "C1", want).Wait()

	// Then the calls reach Slack in queue order, a rate-limited message
	// is retried before any later one, and no call starts before the
	// Retry-After of a 429 has passed.
	calls := s.CallsTo("chat.postMessage")
	slices.SortStableFunc(calls, func(a, b slackemu.Call) int { return a.Time.Compare(b.Time) })
	var sent []string
	limited := 0
	for i, c := range calls {
		text := c.Params.Get("text")
		if i > 0 && text < calls[i-1].Params.Get("text") {
			t.Errorf("%s reached Slack after %s, which was queued after it", text, calls[i-1].Params.Get("text"))
		}
		if c.Status != http.StatusTooManyRequests {
			sent = append(sent, text)
			continue
		}
		limited++
		for _, d := range calls[i+1:] {
			if d.Time.Before(c.Time.Add(retryAfter)) {
				t.Errorf("%s started %s after the 429 to %s, before its Retry-After of %s", d.Params.Get("text"), d.Time.Sub(c.Time), text, retryAfter)
			}
		}
	}
	if limited < 2 {
		t.Fatalf("Slack answered 429 %d times, want at least 2: the test tested too little", limited)
	}
	if !slices.Equal(sent, want) {
		t.Errorf("messages sent in the order\n%v\nwant the queue order\n%v", sent, want)
	}
	if got := s.Messages("C1"); len(got) != len(want) {
		t.Errorf("%d messages in C1, want %d", len(got), len(want))
	}
}

// recordingAPI notes when, by the outbox's clock, each post and update
// reached the API.
type recordingAPI struct {
	*slack.Client
	clock outbox.Clock
	mu    sync.Mutex
	posts []time.Time
	ups   []time.Time
}

func (r *recordingAPI) PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	r.mu.Lock()
	r.posts = append(r.posts, r.clock.Now())
	r.mu.Unlock()
	return r.Client.PostMessageContext(ctx, channel, opts...)
}

func (r *recordingAPI) UpdateMessageContext(ctx context.Context, channel, ts string, opts ...slack.MsgOption) (string, string, string, error) {
	r.mu.Lock()
	r.ups = append(r.ups, r.clock.Now())
	r.mu.Unlock()
	return r.Client.UpdateMessageContext(ctx, channel, ts, opts...)
}

func TestUpdatesTakeOneTokenEach(t *testing.T) {
	// Given six messages in a channel paced at 2 a second, burst 3
	clock := newClock()
	rec := &recordingAPI{clock: clock}
	o, s, _ := setupAPI(t, outbox.Options{Clock: clock, PerSecond: 2, Burst: 3},
		func(c *slack.Client) outbox.API { rec.Client = c; return rec })
	ctx := context.Background()
	var tss []string
	for i := range 6 {
		ts, err := o.Post(ctx, bot.Message{Channel: "C1", Text: fmt.Sprintf("m%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
	}

	// When each of them is updated, all at once
	var wg sync.WaitGroup
	for i, ts := range tss {
		wg.Go(func() {
			if err := o.Update(ctx, "C1", ts, bot.Message{Text: fmt.Sprintf("u%d", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	// Then the updates follow the posts at the channel's pace, half a
	// second apart, not a second
	const step = 500 * time.Millisecond
	at := append(slices.Clone(rec.posts), rec.ups...)
	if len(rec.ups) != len(tss) {
		t.Fatalf("%d chat.update calls, want %d", len(rec.ups), len(tss))
	}
	for i := len(rec.posts); i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap != step {
			t.Errorf("call %d (an update) went %s after the one before, want %s", i, gap, step)
		}
	}
	for i, ts := range tss {
		if m, _ := s.Message("C1", ts); m.Text != fmt.Sprintf("u%d", i) {
			t.Errorf("message %d reads %q", i, m.Text)
		}
	}
}

// gatedAPI holds every chat.postMessage until open is closed, noting the
// texts in the order they reached it.
type gatedAPI struct {
	*slack.Client
	open  chan struct{}
	mu    sync.Mutex
	texts []string
}

func (g *gatedAPI) PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	_, values, err := slack.UnsafeApplyMsgOptions("", channel, "", opts...)
	if err != nil {
		return "", "", err
	}
	g.mu.Lock()
	g.texts = append(g.texts, values.Get("text"))
	g.mu.Unlock()
	select {
	case <-g.open:
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
	return g.Client.PostMessageContext(ctx, channel, opts...)
}

func (g *gatedAPI) reached() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.texts)
}

func TestBacklogCountsTheQueue(t *testing.T) {
	// Given a post in flight and five more queued behind it, in a channel
	// paced at 1 a second with a burst of 3
	clock := newClock()
	gate := &gatedAPI{open: make(chan struct{})}
	o, _, _ := setupAPI(t, outbox.Options{Clock: clock},
		func(c *slack.Client) outbox.API { gate.Client = c; return gate })
	wg := postInOrder(t, o, context.Background(), "C1", []string{"m0", "m1", "m2", "m3", "m4", "m5"})
	testenv.Eventually(t, 10*time.Second, func() bool { return len(gate.reached()) == 1 }, "the first post in flight")

	// Then a new message waits for the two tokens left of the burst and
	// four more: the five queued ones take five, it takes the sixth
	if d := o.Backlog("C1"); d != 4*time.Second {
		t.Errorf("Backlog = %s, want 4s", d)
	}
	close(gate.open)
	wg.Wait()
	if got, want := gate.reached(), []string{"m0", "m1", "m2", "m3", "m4", "m5"}; !slices.Equal(got, want) {
		t.Errorf("posts reached Slack as %v, want %v", got, want)
	}
}

func TestACancelledPostLeavesTheQueue(t *testing.T) {
	// Given a post in flight, one queued behind it whose context ends, and
	// one more
	gate := &gatedAPI{open: make(chan struct{})}
	o, _, _ := setupAPI(t, outbox.Options{},
		func(c *slack.Client) outbox.API { gate.Client = c; return gate })
	ctx := context.Background()
	first := postInOrder(t, o, ctx, "C1", []string{"m0"})
	testenv.Eventually(t, 10*time.Second, func() bool { return len(gate.reached()) == 1 }, "the first post in flight")
	gone, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := o.Post(gone, bot.Message{Channel: "C1", Text: "cancelled"})
		errc <- err
	}()
	testenv.Eventually(t, 10*time.Second, func() bool { return o.Joined("C1") == 2 }, "the second post queued")
	last := postInOrder(t, o, ctx, "C1", []string{"m2"})

	// When its context ends
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled post = %v, want context.Canceled", err)
	}

	// Then the others still go, in order, and it never reaches Slack
	close(gate.open)
	first.Wait()
	last.Wait()
	if got, want := gate.reached(), []string{"m0", "m2"}; !slices.Equal(got, want) {
		t.Errorf("posts reached Slack as %v, want %v", got, want)
	}
}

func TestEphemeralMessagesHonourRetryAfter(t *testing.T) {
	clock := newClock()
	o, s, _ := setup(t, outbox.Options{Clock: clock})
	s.SetRateLimit("chat.postEphemeral", "C1", 2*time.Second, 1)
	if _, err := o.Post(context.Background(), bot.Message{Channel: "C1", EphemeralTo: "U2", Text: "private"}); err != nil {
		t.Fatal(err)
	}
	if got, want := clock.Slept(), []time.Duration{2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits = %v, want the Retry-After only: %v", got, want)
	}
	if calls := s.CallsTo("chat.postEphemeral"); len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests {
		t.Errorf("calls = %+v", calls)
	}
}
