package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/bot/outbox"
	"opsbot/bot/slackemu"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T, opts outbox.Options) (*outbox.Outbox, *slackemu.Server, *prometheus.Registry) {
	t.Helper()
	s := slackemu.New()
	t.Cleanup(s.Close)
	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()))
	reg := prometheus.NewRegistry()
	return outbox.New(api, opts, reg, slog.New(slog.DiscardHandler)), s, reg
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
