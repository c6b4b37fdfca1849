package scheduler

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_job_runs_total", Help: "Scheduled job runs, by job and outcome (ok, failed, timeout, skipped, interrupted).",
		}, []string{"job", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "opsbot_job_duration_seconds", Help: "Time a job run took, by job.",
			Buckets: []float64{.01, .1, .5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "opsbot_job_last_success_timestamp_seconds", Help: "When a job last ran successfully (unix time), by job.",
		}, []string{"job"}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.duration, m.lastSuccess)
	}
	return m
}

func (m *metrics) observe(r run) {
	m.runs.WithLabelValues(r.Job, r.Outcome).Inc()
	m.duration.WithLabelValues(r.Job).Observe(r.End.Sub(r.Start).Seconds())
	if r.Outcome == outcomeOK {
		m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.End.Unix()))
	}
}
