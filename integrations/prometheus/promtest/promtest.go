// Package promtest starts a real Prometheus server on a random loopback port
// for tests, like net/http/httptest does for HTTP servers. The server scrapes
// a fake node_exporter, served by the helper itself, once a second: one
// target per fake host, labelled job="node", instance="<host>:9100", whose
// metrics the test sets through Host.
package promtest

import (
	"fmt"
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
	hosts        []string
	down         []string
	rules        string
	cpus         int
	targets      []Target
	alertmanager string
}

// Target is a scrape target beside the fake exporter: a real exporter, or
// the program under test.
type Target struct {
	Job  string // job label; targets of one job share its scrape config
	Addr string // host:port
	// MetricsPath defaults to /metrics.
	MetricsPath string
	// Labels are added to every series of the target (instance, say).
	Labels map[string]string
	// HonorLabels keeps the target's own job and instance labels.
	HonorLabels bool
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

// WithTargets makes Prometheus scrape these targets too, once a second.
// Scrape only the fake exporter's hosts, or none (WithHosts()), besides.
func WithTargets(targets ...Target) Option {
	return func(o *options) { o.targets = append(o.targets, targets...) }
}

// WithAlertmanager makes Prometheus send the alerts its rules fire to the
// Alertmanager at addr (host:port).
func WithAlertmanager(addr string) Option {
	return func(o *options) { o.alertmanager = addr }
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
	bin := testenv.LookPath(tb, packageName, binaries...)
	s, err := start(bin, tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	s.tb = tb
	tb.Cleanup(func() { _ = s.Close() })
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
const packageName = "prometheus"

var binaries = []string{"prometheus", "/usr/bin/prometheus"}

func start(bin, dir string, opts []Option) (*Server, error) {
	o := options{hosts: []string{"web-1", "web-2", "db-1"}, cpus: 2}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{hosts: map[string]*Host{}, http: &http.Client{Transport: &http.Transport{}}}
	for _, name := range o.hosts {
		if _, dup := s.hosts[name]; dup {
			return nil, fmt.Errorf("promtest: host %q given twice", name)
		}
		s.hosts[name] = newHost(name, o.cpus)
		s.order = append(s.order, name)
	}
	cfg := scrapeConfig{hosts: o.hosts, down: o.down, rules: o.rules, targets: o.targets, alertmanager: o.alertmanager}
	if len(o.hosts) > 0 {
		s.exporter = httptest.NewServer(exporterHandler(s.hosts))
		cfg.exporterAddr = s.exporter.Listener.Addr().String()
	}
	if len(o.down) > 0 {
		downAddr, err := closedPort()
		if err != nil {
			s.closeExporter()
			return nil, fmt.Errorf("promtest: find a closed port: %w", err)
		}
		cfg.downAddr = downAddr
	}
	proc, err := startProcess(bin, dir, cfg)
	if err != nil {
		s.closeExporter()
		return nil, err
	}
	s.proc = proc
	s.URL = s.proc.URL
	return s, nil
}

// Close stops Prometheus (waiting for it to exit) and the fake exporter.
func (s *Server) Close() error {
	s.proc.Stop()
	s.closeExporter()
	return nil
}

func (s *Server) closeExporter() {
	if s.exporter != nil {
		s.exporter.Close()
	}
	s.http.CloseIdleConnections()
}

// Host returns the fake host called name; the test fails if there is none.
// On a Server from New it panics instead.
func (s *Server) Host(name string) *Host {
	h, ok := s.hosts[name]
	if !ok {
		msg := fmt.Sprintf("promtest: no fake host %q (have %v)", name, s.order)
		if s.tb == nil {
			panic(msg)
		}
		s.tb.Helper()
		s.tb.Fatal(msg)
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
