package change

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/integrations/sshexec"
)

// metrics are the desk's Prometheus metrics. Each event is counted by the
// one caller whose atomic Redis transition made it happen, so a change
// racing across replicas is counted once in their sum.
type metrics struct {
	events   *prometheus.CounterVec
	hosts    *prometheus.CounterVec
	duration prometheus.Histogram
}

// The events counted in opsbot_changes_total besides the states.
const (
	eventStarted = "started"
)

var runBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// newMetrics registers the change metrics with reg (nil: unregistered).
// The pending gauge is read from Redis at each scrape, so every replica
// reports the same truth.
func newMetrics(reg prometheus.Registerer, st *store, log *slog.Logger) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_changes_total",
			Help: "Change requests by event: requested, approved, rejected, cancelled, expired, started, succeeded, failed, partially_failed.",
		}, []string{"event"}),
		hosts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_change_hosts_total",
			Help: "Hosts of change runs by result: ok, failed, skipped.",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "opsbot_change_run_duration_seconds",
			Help:    "Wall time of a change run, from its start to its outcome being recorded.",
			Buckets: runBuckets,
		}),
	}
	if reg != nil {
		reg.MustRegister(m.events, m.hosts, m.duration, &pendingCollector{st: st, log: log, desc: prometheus.NewDesc(
			"opsbot_changes_pending", "Change requests awaiting approval (read from Redis at scrape time).", nil, nil)})
	}
	return m
}

// event counts one change event.
func (m *metrics) event(name string) { m.events.WithLabelValues(name).Inc() }

// ran records a finished run's wall time and its hosts' results.
func (m *metrics) ran(d time.Duration, res sshexec.FanoutResult) {
	m.duration.Observe(d.Seconds())
	m.hosts.WithLabelValues("ok").Add(float64(res.Succeeded))
	m.hosts.WithLabelValues("failed").Add(float64(res.Failed))
	m.hosts.WithLabelValues("skipped").Add(float64(res.Skipped))
}

// pendingCollector reports the size of the pending set, which the same
// scripts as the transitions keep. A request past its expiry stays in it
// until the expiry sweep or an approval attempt marks it expired.
type pendingCollector struct {
	st   *store
	log  *slog.Logger
	desc *prometheus.Desc
}

func (c *pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *pendingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.st.pendingCount(ctx)
	if err != nil {
		c.log.Warn("opsbot_changes_pending not reported", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
