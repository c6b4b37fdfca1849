package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestReadyDetailDoesNotDecideReadiness: a detail line (an inventory
// source that did not read) shows on /readyz, and opsbot stays ready.
func TestReadyDetailDoesNotDecideReadiness(t *testing.T) {
	s := New(Config{}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	s.AddCheck("redis", func(context.Context) error { return nil })
	s.AddDetail("asset", func(context.Context) string { return "3 assets; last good kept for: cmdb (assets.yaml:3: port: bad)" })
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	body, _ := io.ReadAll(rec.Body)
	if want := "redis: ok\nasset: 3 assets; last good kept for: cmdb (assets.yaml:3: port: bad)\n"; rec.Code != 200 || string(body) != want {
		t.Errorf("/readyz = %d %q, want 200 %q", rec.Code, body, want)
	}
}
