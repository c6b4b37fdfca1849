package httpserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "opsbot_test_total", Help: "x"})
	reg.MustRegister(c)
	s := New(Config{}, reg, slog.New(slog.DiscardHandler))
	var slackErr error
	s.AddCheck("redis", func(context.Context) error { return nil })
	s.AddCheck("slack", func(context.Context) error { return slackErr })
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || body != "redis: ok\nslack: ok\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	slackErr = errors.New("not connected to Slack")
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "slack: not connected") {
		t.Errorf("/readyz when Slack is down = %d %q", code, body)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "opsbot_test_total 0") {
		t.Errorf("/metrics = %d", code)
	}
	if errs := (Config{Listen: "nonsense"}).Validate(); len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "listen:") {
		t.Errorf("Validate = %v", errs)
	}
}
