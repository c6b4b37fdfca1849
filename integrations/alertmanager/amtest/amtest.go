// Package amtest starts a real Prometheus Alertmanager on a random loopback
// port for tests, like net/http/httptest does for HTTP servers. Its one
// route groups alerts (by alertname unless told otherwise) with group_wait
// and group_interval of one second, so a webhook arrives a second or two
// after alerts are posted, at the URL the test gives with WebhookURL.
package amtest

import (
	"fmt"
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
	bin := testenv.LookPath(tb, packageName, binaries...)
	s, err := start(bin, tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.proc.Stop)
	return s
}

// New is Start for programs (the sandbox): the configuration and data go
// into dir, which must exist, and the caller must Close the server.
// Without the binary the error is a *testenv.MissingError.
func New(dir string, opts ...Option) (*Server, error) {
	bin, err := testenv.Find(packageName, binaries...)
	if err != nil {
		return nil, err
	}
	return start(bin, dir, opts)
}

// The Debian package and the names its binary goes by.
const packageName = "prometheus-alertmanager"

var binaries = []string{"prometheus-alertmanager", "alertmanager"}

func start(bin, dir string, opts []Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := o.config()
	if err != nil {
		return nil, fmt.Errorf("amtest: %w", err)
	}
	cfgPath, err := cfg.write(dir)
	if err != nil {
		return nil, fmt.Errorf("amtest: write alertmanager config: %w", err)
	}
	p, err := startProcess(bin, cfgPath, dir)
	if err != nil {
		return nil, err
	}
	return &Server{proc: p}, nil
}

// URL is the base URL of Alertmanager's web UI and API,
// http://127.0.0.1:<port>; it is also the externalURL of its webhooks.
func (s *Server) URL() string { return s.proc.URL }

// Logs returns the latest output of Alertmanager, for failure messages.
func (s *Server) Logs() string { return s.proc.Logs() }

// Close stops Alertmanager and waits for it to exit.
func (s *Server) Close() error {
	s.proc.Stop()
	return nil
}
