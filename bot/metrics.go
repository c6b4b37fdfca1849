package bot

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts and times commands by verb and outcome.
type Metrics struct {
	commands *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the command metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_commands_total",
			Help: "Commands, clicks and submissions handled, by verb and outcome.",
		}, []string{"verb", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "opsbot_command_duration_seconds",
			Help:    "Time to handle a command, by verb.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"verb"}),
	}
	reg.MustRegister(m.commands, m.duration)
	return m
}

// Middleware records every request the router runs.
func (m *Metrics) Middleware() Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, req *Request) (*Reply, error) {
			start := time.Now()
			rep, err := next(ctx, req)
			m.duration.WithLabelValues(req.Command.Verb).Observe(time.Since(start).Seconds())
			m.commands.WithLabelValues(req.Command.Verb, Outcome(err)).Inc()
			return rep, err
		}
	}
}

// Outcome names the result of a request for metrics and the audit trail.
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return string(ErrorCode(err))
}
