package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/redisstore"
	"opsbot/internal/testkit"
)

func TestWebhookRefuses(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	s := newTestService(t, Config{
		DefaultChannel: "CDEF",
		Webhook:        WebhookConfig{BearerToken: testToken, Username: "am", Password: "basic-pass-secret", MaxBodyBytes: 4096},
	}, Deps{Chat: testkit.NewChat(), Metrics: reg, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	good, _ := json.Marshal(payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 1, t0))
	big, _ := json.Marshal(payload("g2", alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 100, t0))

	tests := []struct {
		name   string
		method string
		auth   func(r *http.Request)
		body   []byte
		code   int
		result string
	}{
		{"no credentials", "POST", func(*http.Request) {}, good, 401, "unauthorized"},
		{"wrong token", "POST", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, good, 401, "unauthorized"},
		{"wrong basic password", "POST", func(r *http.Request) { r.SetBasicAuth("am", "nope") }, good, 401, "unauthorized"},
		{"GET", "GET", bearer, nil, 405, "method"},
		{"too large", "POST", bearer, big, 413, "too_large"},
		{"not json", "POST", bearer, []byte("{not json"), 400, "invalid"},
		{"wrong version", "POST", bearer, []byte(`{"version":"3","groupKey":"x","status":"firing","alerts":[{"status":"firing","labels":{"a":"b"}}]}`), 400, "invalid"},
		{"no alerts", "POST", bearer, []byte(`{"version":"4","groupKey":"x","status":"firing","alerts":[]}`), 400, "invalid"},
		{"bearer ok", "POST", bearer, good, 200, "ok"},
		{"basic ok", "POST", func(r *http.Request) { r.SetBasicAuth("am", "basic-pass-secret") }, good, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := counterValue(s.metrics.webhooks.WithLabelValues(tt.result))
			req := httptest.NewRequest(tt.method, "/hooks/alertmanager", bytes.NewReader(tt.body))
			tt.auth(req)
			rec := httptest.NewRecorder()
			s.Webhook().ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.code, rec.Body)
			}
			if got := counterValue(s.metrics.webhooks.WithLabelValues(tt.result)) - before; got != 1 {
				t.Errorf("opsbot_alert_webhooks_total{result=%q} grew by %v, want 1", tt.result, got)
			}
		})
	}
	if got := counterValue(s.metrics.alerts); got != 2 {
		t.Errorf("opsbot_alerts_received_total = %v, want 2", got)
	}
	out := logs.String()
	if !strings.Contains(out, "webhook refused") {
		t.Errorf("refusals not logged:\n%s", out)
	}
	for _, secret := range []string{testToken, "basic-pass-secret", "nope"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains credential %q:\n%s", secret, out)
		}
	}
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

func bearer(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken) }

// The webhook answers only after the group is in Redis: a stored group is
// delivered by a worker started later, as after a restart.
func TestWebhookStoresBeforeDelivery(t *testing.T) {
	chat := testkit.NewChat()
	s := newTestService(t, Config{DefaultChannel: "CDEF"}, Deps{Chat: chat})
	if code := post(t, s.Webhook(), payload("g1", alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 2, t0)); code != 200 {
		t.Fatalf("status %d", code)
	}
	if n := len(chat.Posts()); n != 0 {
		t.Fatalf("posted %d messages before any worker ran", n)
	}
	ids, err := s.st.dirty(context.Background())
	if err != nil || len(ids) != 1 {
		t.Fatalf("dirty = %v, %v; want one group", ids, err)
	}
	// Another "replica" with the same Redis delivers it.
	other, err := New(s.cfg, Deps{Store: s.d.Store, Chat: chat})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(chat.Posts()); n != 1 {
		t.Fatalf("posted %d messages, want 1", n)
	}
	// Delivering again does nothing: the group is clean.
	if err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(chat.Current()); n != 1 {
		t.Fatalf("%d messages after a second delivery, want 1", n)
	}
}

// Two replicas delivering the same new group at once post it once.
func TestTwoReplicasPostOnce(t *testing.T) {
	for i := range 20 {
		chat := testkit.NewChat()
		a := newTestServiceShared(t, chat, nil)
		b := newTestServiceShared(t, chat, a.d.Store)
		post(t, a.Webhook(), payload(fmt.Sprintf("g%d", i), alertmanager.StatusFiring, map[string]string{"alertname": "A"}, 1, t0))
		var wg sync.WaitGroup
		for _, s := range []*Service{a, b, a, b} {
			wg.Go(func() { _ = s.Deliver(context.Background()) })
		}
		wg.Wait()
		for _, s := range []*Service{a, b} { // whatever was skipped
			if err := s.Deliver(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(chat.Posts()); n != 1 {
			t.Fatalf("round %d: %d posts, want 1", i, n)
		}
	}
}

func newTestServiceShared(t *testing.T, chat *testkit.Chat, st *redisstore.Store) *Service {
	t.Helper()
	if st == nil {
		return newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat})
	}
	s, err := New(Config{DefaultChannel: "C1", Webhook: WebhookConfig{BearerToken: testToken}}, Deps{Store: st, Chat: chat})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
