package loop

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	steps *prometheus.CounterVec
	lag   *prometheus.HistogramVec
}

// newMetrics registers the loop's metrics with reg; a nil reg keeps them
// unregistered.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_loop_steps_total",
			Help: "Due steps run by this replica, by kind and outcome (ok, retry, dropped; interrupted: cut short by a stop, run again at the next start).",
		}, []string{"kind", "outcome"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "opsbot_loop_step_lag_seconds",
			Help:    "How late a step started after it was due.",
			Buckets: []float64{.1, .5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.steps, m.lag)
	}
	return m
}
