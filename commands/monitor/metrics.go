package monitor

import "github.com/prometheus/client_golang/prometheus"

// metrics are the monitor's counters.
type metrics struct {
	alerts   prometheus.Counter
	webhooks *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		alerts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "opsbot_alerts_received_total",
			Help: "Alerts received in Alertmanager webhook notifications and stored.",
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "opsbot_alert_webhooks_total",
			Help: "Alertmanager webhook requests, by result (ok, unauthorized, too_large, invalid, method, store_error).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.alerts, m.webhooks)
	return m
}
