// Package httpserver serves opsbot's operational endpoints: /healthz
// (the process is alive), /readyz (its dependencies answer), /metrics, and
// whatever webhook handlers the domains mount.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is the listen address.
type Config struct {
	Listen string `yaml:"listen"`
}

// DefaultListen keeps the endpoints on loopback unless configured.
const DefaultListen = "127.0.0.1:9090"

// Validate lists problems as "<key>: <problem>".
func (c Config) Validate() []error {
	if c.Listen == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return []error{fmt.Errorf("listen: %q is not host:port (%v)", c.Listen, err)}
	}
	return nil
}

// Check tells whether one dependency is ready; nil means yes.
type Check func(ctx context.Context) error

// Server is the HTTP server.
type Server struct {
	mux     *http.ServeMux
	srv     *http.Server
	log     *slog.Logger
	mu      sync.Mutex
	checks  map[string]Check
	details map[string]Detail
}

// Detail is a line /readyz shows that does not decide readiness.
type Detail func(ctx context.Context) string

// New returns a server with /healthz, /readyz and /metrics from gatherer.
func New(cfg Config, gatherer prometheus.Gatherer, log *slog.Logger) *Server {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	s := &Server{mux: http.NewServeMux(), log: log, checks: map[string]Check{}, details: map[string]Detail{}}
	s.srv = &http.Server{Addr: cfg.Listen, Handler: s.mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	return s
}

// AddCheck makes /readyz depend on check.
func (s *Server) AddCheck(name string, check Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

// AddDetail makes /readyz show detail's line under name, whatever it says.
func (s *Server) AddDetail(name string, detail Detail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.details[name] = detail
}

// Handle mounts a handler, such as a webhook receiver.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the server's handler, for tests.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	checks := s.checks
	var details []string
	for n := range s.details {
		details = append(details, n)
	}
	detailFns := s.details
	s.mu.Unlock()
	sort.Strings(names)
	sort.Strings(details)
	var b strings.Builder
	ok := true
	for _, n := range names {
		if err := checks[n](ctx); err != nil {
			ok = false
			fmt.Fprintf(&b, "%s: %v\n", n, err)
		} else {
			fmt.Fprintf(&b, "%s: ok\n", n)
		}
	}
	for _, n := range details {
		fmt.Fprintf(&b, "%s: %s\n", n, detailFns[n](ctx))
	}
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write([]byte(b.String()))
}

// Start listens and serves in the background; the address actually bound
// is returned (useful with port 0).
func (s *Server) Start() (string, error) {
	l, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", s.srv.Addr, err)
	}
	go func() {
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	return l.Addr().String(), nil
}

// Shutdown stops serving, letting requests in flight finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
