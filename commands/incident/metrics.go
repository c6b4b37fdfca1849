package incident

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	tta, ttr *prometheus.HistogramVec
}

var durationBuckets = []float64{30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600}

// newMetrics registers the incident metrics with reg (nil: unregistered).
// The open-incident gauge is read from Redis at each scrape, so every
// replica reports the same truth.
func newMetrics(reg prometheus.Registerer, st *store, log *slog.Logger) *metrics {
	m := &metrics{
		tta: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "opsbot_incident_time_to_acknowledge_seconds",
			Help:    "Time from an incident's (re)opening to its acknowledgement.",
			Buckets: durationBuckets,
		}, []string{"severity"}),
		ttr: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "opsbot_incident_time_to_resolve_seconds",
			Help:    "Time from an incident's (re)opening to its resolution.",
			Buckets: durationBuckets,
		}, []string{"severity"}),
	}
	if reg != nil {
		reg.MustRegister(m.tta, m.ttr, &openCollector{st: st, log: log, desc: prometheus.NewDesc(
			"opsbot_incidents_open", "Unresolved incidents, by severity (read from Redis at scrape time).", []string{"severity"}, nil)})
	}
	return m
}

// openCollector reports the open counts kept in Redis beside the
// incidents, updated by the same scripts as the transitions.
type openCollector struct {
	st   *store
	log  *slog.Logger
	desc *prometheus.Desc
}

func (c *openCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *openCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.st.openCounts(ctx)
	if err != nil {
		c.log.Warn("opsbot_incidents_open not reported", "err", err)
		return
	}
	for s := Severity(1); s <= 4; s++ {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), "sev"+strconv.Itoa(int(s)))
	}
}
