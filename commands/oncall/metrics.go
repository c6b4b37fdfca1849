package oncall

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	pages *prometheus.CounterVec
	tta   prometheus.Histogram
}

// newMetrics registers the paging metrics with reg; nil keeps them
// unregistered.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_oncall_pages_total",
			Help: "People paged, by escalation level (1 is the first).",
		}, []string{"level"}),
		tta: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "opsbot_oncall_page_time_to_acknowledge_seconds",
			Help:    "Time from a page to its acknowledgement.",
			Buckets: []float64{15, 30, 60, 120, 300, 600, 900, 1800, 3600},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.pages, m.tta)
	}
	return m
}
