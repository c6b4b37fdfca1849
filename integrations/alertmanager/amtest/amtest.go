// Package amtest starts a real Prometheus Alertmanager on a random loopback
// port for tests, like net/http/httptest does for HTTP servers. Its one
// route groups alerts (by alertname unless told otherwise) with group_wait
// and group_interval of one second, so a webhook arrives a second or two
// after alerts are posted, at the URL the test gives with WebhookURL.
package amtest

import (
	"testing"

	"opsbot/integrations/testenv"
)

// Server is a running Alertmanager.
type Server struct {
	proc *testenv.Process
}

// Start runs prometheus-alertmanager with a generated configuration and
// gossip turned off, waits until it is ready, and stops it (waiting for
// the process to exit) when the test ends. Without the binary the test is
// skipped, or fails when OPSBOT_INTEGRATION=require.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	bin := testenv.LookPath(tb, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := o.config()
	if err != nil {
		tb.Fatalf("amtest: %v", err)
	}
	dir := tb.TempDir()
	cfgPath, err := cfg.write(dir)
	if err != nil {
		tb.Fatalf("amtest: write alertmanager config: %v", err)
	}
	return &Server{proc: startProcess(tb, bin, cfgPath, dir)}
}

// URL is the base URL of Alertmanager's web UI and API,
// http://127.0.0.1:<port>; it is also the externalURL of its webhooks.
func (s *Server) URL() string { return s.proc.URL }

// Logs returns the latest output of Alertmanager, for failure messages.
func (s *Server) Logs() string { return s.proc.Logs() }
