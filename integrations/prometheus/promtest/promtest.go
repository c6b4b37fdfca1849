// Package promtest starts a real Prometheus server on a random loopback port
// for tests, like net/http/httptest does for HTTP servers. The server scrapes
// a fake node_exporter, served by the helper itself, once a second: one
// target per fake host, labelled job="node", instance="<host>:9100", whose
// metrics the test sets through Host.
package promtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"opsbot/integrations/testenv"
)

// Server is a running Prometheus scraping fake node_exporter targets.
type Server struct {
	// URL is the base URL of the Prometheus HTTP API, http://127.0.0.1:<port>.
	URL string

	tb       testing.TB
	hosts    map[string]*Host
	order    []string
	exporter *httptest.Server
	proc     *testenv.Process
	http     *http.Client
}

type options struct {
	hosts []string
	down  []string
	rules string
	cpus  int
}

// Option changes what Start sets up.
type Option func(*options)

// WithHosts replaces the default fake hosts (web-1, web-2, db-1) with the
// given names.
func WithHosts(names ...string) Option {
	return func(o *options) { o.hosts = slices.Clone(names) }
}

// WithDownTargets adds targets labelled job="node", instance="<name>:9100"
// that point at a closed loopback port, so their up is 0.
func WithDownTargets(names ...string) Option {
	return func(o *options) { o.down = append(o.down, names...) }
}

// WithRules loads rulesYAML (a Prometheus rule file: "groups: ...") with
// rules evaluated every second, so alerting rules fire within seconds.
func WithRules(rulesYAML string) Option {
	return func(o *options) { o.rules = rulesYAML }
}

// WithCPUs sets how many CPUs each fake host reports (default 2).
func WithCPUs(n int) Option {
	return func(o *options) { o.cpus = n }
}

// Start runs Prometheus with a one-second scrape interval against the fake
// exporter and stops it when the test ends. Prometheus hands new targets to
// its scrapers every five seconds, so the first samples appear about five
// seconds after Start returns: wait for them with WaitForSamples, and share
// one Server between subtests where possible. Without the prometheus binary
// the test is skipped, or fails when OPSBOT_INTEGRATION=require.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	bin := testenv.LookPath(tb, "prometheus", "prometheus", "/usr/bin/prometheus")
	o := options{hosts: []string{"web-1", "web-2", "db-1"}, cpus: 2}
	for _, opt := range opts {
		opt(&o)
	}
	dir := tb.TempDir()

	s := &Server{tb: tb, hosts: map[string]*Host{}, http: &http.Client{Transport: &http.Transport{}}}
	for _, name := range o.hosts {
		if _, dup := s.hosts[name]; dup {
			tb.Fatalf("promtest: host %q given twice", name)
		}
		s.hosts[name] = newHost(name, o.cpus)
		s.order = append(s.order, name)
	}
	s.exporter = httptest.NewServer(exporterHandler(s.hosts))
	tb.Cleanup(s.exporter.Close)
	tb.Cleanup(s.http.CloseIdleConnections)

	downAddr, err := closedPort()
	if err != nil {
		tb.Fatalf("promtest: find a closed port: %v", err)
	}
	cfg := scrapeConfig{
		exporterAddr: s.exporter.Listener.Addr().String(),
		downAddr:     downAddr,
		hosts:        o.hosts,
		down:         o.down,
		rules:        o.rules,
	}
	s.proc = startProcess(tb, bin, dir, cfg)
	s.URL = s.proc.URL
	return s
}

// Host returns the fake host called name; the test fails if there is none.
func (s *Server) Host(name string) *Host {
	s.tb.Helper()
	h, ok := s.hosts[name]
	if !ok {
		s.tb.Fatalf("promtest: no fake host %q (have %v)", name, s.order)
	}
	return h
}

// Hosts lists the fake host names in the order they were given.
func (s *Server) Hosts() []string { return slices.Clone(s.order) }

// Logs returns what Prometheus has written to stderr so far.
func (s *Server) Logs() string { return s.proc.Logs() }

// closedPort returns a loopback address nothing listens on.
func closedPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}
