package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/integrations/testenv"
	"opsbot/internal/slackemu"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T, opts outbox.Options) (*outbox.Outbox, *slackemu.Server, *prometheus.Registry) {
	t.Helper()
	return setupAPI(t, opts, func(c *slack.Client) outbox.API { return c })
}

// setupAPI is setup with the slack client to the emulator wrapped by api.
func setupAPI(t *testing.T, opts outbox.Options, api func(*slack.Client) outbox.API) (*outbox.Outbox, *slackemu.Server, *prometheus.Registry) {
	t.Helper()
	s := slackemu.New()
	t.Cleanup(s.Close)
	reg := prometheus.NewRegistry()
	o := outbox.New(api(slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()))), opts, reg, slog.New(slog.DiscardHandler))
	return o, s, reg
}

func TestPostRetriesServerErrorsAndCounts(t *testing.T) {
	o, s, reg := setup(t, outbox.Options{Backoff: time.Millisecond})
	s.FailNext("chat.postMessage", 2)
	ts, err := o.Post(context.Background(), bot.Message{Channel: "C1", Text: "hello"})
	if err != nil || ts == "" {
		t.Fatalf("Post = %q, %v", ts, err)
	}
	if n := value(t, reg, "chat.postMessage", "http_500"); n != 2 {
		t.Errorf("500s counted = %v, want 2", n)
	}
	if msgs := s.Messages("C1"); len(msgs) != 1 || msgs[0].Text != "hello" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestPermanentErrorIsReturnedWithAdvice(t *testing.T) {
	o, _, _ := setup(t, outbox.Options{})
	_, err := o.Post(context.Background(), bot.Message{Channel: "CNOPE", Text: "x"})
	if err == nil {
		t.Fatal("post to an unknown channel succeeded")
	}
	if got := outbox.Advice(err); !strings.Contains(got, "does not exist") {
		t.Errorf("Advice = %q", got)
	}
}

func TestRateLimitHoldsTheChannel(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{})
	s.SetRateLimit("chat.postMessage", "C1", time.Second, 1)
	if _, err := o.Post(context.Background(), bot.Message{Channel: "C1", Text: "a"}); err != nil {
		t.Fatal(err)
	}
	calls := s.CallsTo("chat.postMessage")
	if len(calls) != 2 || calls[0].Status != 429 {
		t.Fatalf("calls = %+v", calls)
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < time.Second {
		t.Errorf("retried after %s, before Retry-After", gap)
	}
}

func TestLongTextBecomesAFileAndManyBlocksSplit(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{PerSecond: 1000, Burst: 100})
	ctx := context.Background()
	if _, err := o.Post(ctx, bot.Message{Channel: "C1", Text: strings.Repeat("x", outbox.MaxText+1)}); err != nil {
		t.Fatal(err)
	}
	if files := s.Files(); len(files) != 1 || len(files[0].Content) != outbox.MaxText+1 {
		t.Errorf("files = %d", len(files))
	}
	var blocks []slack.Block
	for i := 0; i < 120; i++ {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	ts, err := o.Post(ctx, bot.Message{Channel: "C2", Text: "many", Blocks: blocks})
	if err != nil {
		t.Fatal(err)
	}
	var inThread int
	for _, m := range s.Messages("C2") {
		if m.ThreadTS == ts {
			inThread++
		}
	}
	if inThread != 2 {
		t.Errorf("120 blocks: %d continuation messages in the thread, want 2", inThread)
	}
}

func TestUpdatesOfOneMessageCoalesce(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{PerSecond: 2, Burst: 1})
	ctx := context.Background()
	ts, err := o.Post(ctx, bot.Message{Channel: "C1", Text: "v0"}) // uses the burst
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 1; i <= 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := o.Update(ctx, "C1", ts, bot.Message{Text: fmt.Sprintf("u%d", i)}); err != nil {
				t.Error(err)
			}
		}(i)
		time.Sleep(5 * time.Millisecond) // arrive in order while the first waits
	}
	wg.Wait()
	if n := len(s.CallsTo("chat.update")); n >= 10 {
		t.Errorf("%d chat.update calls for 10 updates: nothing was coalesced", n)
	}
	if m, _ := s.Message("C1", ts); m.Text != "u10" {
		t.Errorf("final text = %q, want the newest update u10", m.Text)
	}
}

func value(t *testing.T, reg *prometheus.Registry, method, code string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["method"] == method && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestUpdateOfADMPostedToAUserID(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{})
	ctx := context.Background()
	ts, err := o.Post(ctx, bot.Message{Channel: "U2", Text: "you are paged"})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Update(ctx, "U2", ts, bot.Message{Text: "acknowledged"}); err != nil {
		t.Fatalf("update by user id: %v", err)
	}
	dm, _ := s.DMChannel("U2")
	if m, _ := s.Message(dm, ts); m.Text != "acknowledged" {
		t.Errorf("DM text = %q", m.Text)
	}
}

// newClock is a clock that moves only when the outbox sleeps
// (testkit.Clock's Sleep), noting every wait.
var _ outbox.Clock = (*testkit.Clock)(nil)

func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

func TestPacingIsOnePerSecondPerChannelAfterABurstOfThree(t *testing.T) {
	clock := newClock()
	o, s, _ := setup(t, outbox.Options{Clock: clock})
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		if _, err := o.Post(ctx, bot.Message{Channel: "C1", Text: fmt.Sprintf("m%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Three at once, then one a second.
	if got, want := clock.Slept(), []time.Duration{time.Second, time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits for 6 posts = %v, want %v", got, want)
	}
	// Another channel has its own burst.
	if _, err := o.Post(ctx, bot.Message{Channel: "C2", Text: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if n := len(clock.Slept()); n != 3 {
		t.Errorf("a post to another channel waited: %v", clock.Slept())
	}
	if d := o.Backlog("C1"); d != time.Second {
		t.Errorf("Backlog(C1) after the burst = %s, want 1s", d)
	}
	if n := len(s.Messages("C1")); n != 6 {
		t.Errorf("%d messages in C1, want 6", n)
	}
}

func TestEphemeralMessagesAreNotPacedPerChannel(t *testing.T) {
	clock := newClock()
	o, s, _ := setup(t, outbox.Options{Clock: clock})
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		if _, err := o.Post(ctx, bot.Message{Channel: "C1", EphemeralTo: "U2", Text: fmt.Sprintf("e%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if w := clock.Slept(); len(w) != 0 {
		t.Errorf("ephemeral posts waited %v", w)
	}
	msgs := s.Messages("C1")
	if len(msgs) != 6 || !msgs[0].Ephemeral || msgs[0].EphemeralUser != "U2" || msgs[0].Source != "chat.postEphemeral" {
		t.Fatalf("messages = %+v", msgs)
	}
}

// flakyAPI fails the first fails chat.postMessage calls with a network error.
type flakyAPI struct {
	*slack.Client
	mu    sync.Mutex
	fails int
}

func (f *flakyAPI) PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if fail {
		return "", "", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return f.Client.PostMessageContext(ctx, channel, opts...)
}

func TestNetworkErrorsAreRetriedWithDoublingBackoff(t *testing.T) {
	clock := newClock()
	o, s, reg := setupAPI(t, outbox.Options{Clock: clock, Backoff: 100 * time.Millisecond},
		func(c *slack.Client) outbox.API { return &flakyAPI{Client: c, fails: 2} })
	if _, err := o.Post(context.Background(), bot.Message{Channel: "C1", Text: "through"}); err != nil {
		t.Fatal(err)
	}
	if got, want := clock.Slept(), []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("backoff waits = %v, want %v", got, want)
	}
	if n := value(t, reg, "chat.postMessage", "network"); n != 2 {
		t.Errorf("network errors counted = %v, want 2", n)
	}
	if msgs := s.Messages("C1"); len(msgs) != 1 || msgs[0].Text != "through" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestBackoffIsCutShortByTheContext(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{Backoff: time.Hour})
	s.FailNext("chat.postMessage", 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := o.Post(ctx, bot.Message{Channel: "C1", Text: "x"})
		done <- err
	}()
	testenv.Eventually(t, 10*time.Second, func() bool { return len(s.CallsTo("chat.postMessage")) > 0 }, "the first chat.postMessage call")
	cancel()
	select {
	case err := <-done:
		var oe *outbox.Error
		if !errors.As(err, &oe) || oe.Method != "chat.postMessage" {
			t.Errorf("Post = %v, want the outbox error of the failed call", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Post still waits out its hour of backoff after the context ended")
	}
	if n := len(s.CallsTo("chat.postMessage")); n != 1 {
		t.Errorf("%d calls after cancel, want the one", n)
	}
}

func TestLongTextWithBlocksPostsBlocksAndAttachesTheText(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{PerSecond: 1000, Burst: 100})
	ctx := context.Background()
	long := strings.Repeat("y", outbox.MaxText+10)
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "summary", false, false), nil, nil)}
	ts, err := o.Post(ctx, bot.Message{Channel: "C1", Text: long, Blocks: blocks})
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	m, ok := s.Message("C1", ts)
	if !ok || !strings.Contains(string(m.Blocks), "summary") || len([]rune(m.Text)) > outbox.MaxText {
		t.Fatalf("message = %+v", m)
	}
	files := s.Files()
	if len(files) != 1 || string(files[0].Content) != long {
		t.Fatalf("%d files; want the full text attached", len(files))
	}
	// A private answer is cut instead: a file would be public.
	if _, err := o.Post(ctx, bot.Message{Channel: "C1", EphemeralTo: "U2", Text: long}); err != nil {
		t.Fatalf("ephemeral Post: %v", err)
	}
	if n := len(s.Files()); n != 1 {
		t.Errorf("a private answer was uploaded as a file for everyone")
	}
	for _, c := range s.Calls() {
		if c.Error == "msg_too_long" {
			t.Errorf("%s answered msg_too_long", c.Method)
		}
	}
}

func TestRespondSplitsManyBlocks(t *testing.T) {
	o, s, _ := setup(t, outbox.Options{})
	sent, err := s.SlashCommand("U2", "C1", "/ops", "long")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []slack.Block
	for i := 0; i < 120; i++ {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	msg := slack.WebhookMessage{Text: "many", Blocks: &slack.Blocks{BlockSet: blocks}, ResponseType: slack.ResponseTypeEphemeral}
	if err := o.Respond(context.Background(), &http.Client{Transport: tr}, sent.ResponseURL, msg); err != nil {
		t.Fatalf("Respond: %v", err)
	}
	posts := s.ResponsePosts()
	if len(posts) != 3 {
		t.Fatalf("%d response_url posts for 120 blocks, want 3", len(posts))
	}
	for _, p := range posts {
		if p.Status != http.StatusOK {
			t.Errorf("response_url post answered %d: %s", p.Status, p.Body)
		}
	}
}
