package monitor

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"opsbot/bot"
	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// panicAM panics when asked for silences.
type panicAM struct{ fakeAM }

func (*panicAM) ListSilences(context.Context, []alertmanager.Matcher) ([]alertmanager.Silence, error) {
	panic("boom in list silences")
}

// A panic while delivering a channel is recovered, counted under
// monitor.deliver and reported as that channel's failure; the group stays
// undelivered and goes out on the next try.
func TestDeliveryPanicIsRecovered(t *testing.T) {
	// the first post panics, as a renderer or client bug would
	var left atomic.Int32
	left.Store(1)
	chat := testkit.NewChat()
	chat.Fail = func(method, _ string) error {
		if method == "post" && left.Add(-1) >= 0 {
			panic("boom in post")
		}
		return nil
	}
	p := bot.NewPanics(prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat, Panics: p})
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 1, t0))
	err := s.Deliver(context.Background())
	if err == nil || !strings.Contains(err.Error(), "panic in monitor.deliver") {
		t.Fatalf("Deliver: %v, want the recovered panic", err)
	}
	if n := panicCount(t, p, "monitor.deliver"); n != 1 {
		t.Errorf("opsbot_panics_total{where=monitor.deliver} = %v, want 1", n)
	}
	if err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(chat.Posts()); n != 1 {
		t.Errorf("%d posts after the retry, want 1", n)
	}
}

// A panic in the silence reconcile is recovered and counted under
// monitor.reconcile and fails that run; delivery is not held up.
func TestReconcilePanicIsRecovered(t *testing.T) {
	chat := testkit.NewChat()
	p := bot.NewPanics(prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat, Alertmanager: &panicAM{}, Panics: p})
	ctx := context.Background()
	post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 1, t0))
	if err := s.st.trackSilence(ctx, groupID("C1", "g1"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Jobs()[0].Run(ctx, bot.JobRun{}); err == nil || !strings.Contains(err.Error(), "panic in monitor.reconcile") {
		t.Errorf("the reconcile run = %v, want it failed by the panic", err)
	}
	l := newDeliveryLoop(s)
	l.round(ctx)
	l.wg.Wait()
	if n := panicCount(t, p, "monitor.reconcile"); n != 1 {
		t.Errorf("opsbot_panics_total{where=monitor.reconcile} = %v, want 1", n)
	}
	if n := len(chat.Posts()); n != 1 {
		t.Errorf("%d posts in the round, want 1", n)
	}
}

// panicCount reads opsbot_panics_total{where}.
func panicCount(t *testing.T, p *bot.Panics, where string) float64 {
	t.Helper()
	var m dto.Metric
	if err := p.Counter(where).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
