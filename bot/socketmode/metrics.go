package socketmode

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	connected  prometheus.Gauge
	reconnects prometheus.Counter
	watchdog   prometheus.Counter
	envelopes  *prometheus.CounterVec
	ackSeconds prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "opsbot_socket_connected", Help: "Socket Mode connections currently open."}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "opsbot_socket_reconnects_total", Help: "Socket Mode reconnections (Slack's requests, drops and watchdog)."}),
		watchdog: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "opsbot_socket_watchdog_total", Help: "Socket Mode connections replaced because nothing arrived for slack.watchdog."}),
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_socket_envelopes_total", Help: "Socket Mode envelopes received, by type and what became of them."},
			[]string{"type", "result"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "opsbot_socket_ack_seconds", Help: "Time from reading an envelope to sending its ack.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .05}}),
	}
	reg.MustRegister(m.connected, m.reconnects, m.watchdog, m.envelopes, m.ackSeconds)
	return m
}
