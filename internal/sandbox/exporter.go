package sandbox

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serviceCollector reports whether each demo service runs, read from its
// pid file at every scrape: sandbox_service_up{instance,service,env}.
type serviceCollector struct {
	h    *hosts
	desc *prometheus.Desc
}

func newServiceCollector(h *hosts) *serviceCollector {
	return &serviceCollector{h: h, desc: prometheus.NewDesc("sandbox_service_up",
		"Whether the sandbox's demo service runs on the host (1) or not (0).",
		[]string{"instance", "service", "env"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *serviceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *serviceCollector) Collect(ch chan<- prometheus.Metric) {
	services := groupServices()
	for _, s := range c.h.specs {
		for _, svc := range services[s.Group] {
			up := 0.0
			if b, err := os.ReadFile(filepath.Join(c.h.dir, "state", s.Name, svc, "pid")); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && processAlive(pid) {
					up = 1
				}
			}
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, up, s.Name, svc, s.Env)
		}
	}
}

// exporter serves the services' state for Prometheus to scrape.
type exporter struct {
	srv  *http.Server
	addr string
	done chan struct{}
}

func startExporter(h *hosts) (*exporter, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newServiceCollector(h))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e := &exporter{srv: &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}, addr: l.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = e.srv.Serve(l) // ends with ErrServerClosed at close
	}()
	return e, nil
}

func (e *exporter) close() error {
	err := e.srv.Close()
	<-e.done
	return err
}
