package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/prometheus/promtest"
)

// rules are the demo alerts: one that always fires, one per demo service
// that is not running, and a scrape target that is down.
const rules = `groups:
  - name: sandbox
    rules:
      - alert: SandboxDemo
        expr: vector(1)
        labels: {severity: warning, team: sandbox}
        annotations:
          summary: A demo alert that always fires
          description: Try its buttons. Acknowledge, Silence 1h, Open incident.
          runbook_url: https://prometheus.io/docs/alerting/latest/overview/
      - alert: ServiceDown
        expr: sandbox_service_up == 0
        for: 5s                # a restart is not an outage
        labels: {severity: critical}
        annotations:
          summary: '{{ $labels.service }} is not running on {{ $labels.instance }}'
          description: 'Start it again with: service restart {{ $labels.service }} on {{ $labels.instance }}'
      - alert: TargetDown
        expr: up == 0
        for: 30s
        labels: {severity: warning}
        annotations:
          summary: 'Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}'
`

// startAlertmanager routes every alert to opsbot's webhook at opsbotAddr.
func startAlertmanager(root, opsbotAddr, token string) (*amtest.Server, error) {
	dir, err := subdir(root, "alertmanager")
	if err != nil {
		return nil, err
	}
	return amtest.New(dir, amtest.WebhookURL("http://"+opsbotAddr+"/hooks/alertmanager"),
		amtest.WebhookBearerToken(token), amtest.GroupBy("alertname"), amtest.RepeatInterval(4*time.Hour))
}

func startNodeExporter(root string) (*promtest.NodeExporter, error) {
	dir, err := subdir(root, "node-exporter")
	if err != nil {
		return nil, err
	}
	return promtest.NewNodeExporter(dir)
}

// prometheusTargets lists what Prometheus scrapes: the node exporter once
// per host (it is the same machine, shown as each host), the services'
// state, and opsbot itself.
func prometheusTargets(specs []hostSpec, nodeAddr, servicesAddr, opsbotAddr string) []promtest.Target {
	var ts []promtest.Target
	if nodeAddr != "" {
		for _, s := range specs {
			ts = append(ts, promtest.Target{Job: "node", Addr: nodeAddr,
				Labels: map[string]string{"instance": s.Name + ":9100", "env": s.Env, "group": s.Group}})
		}
	}
	if servicesAddr != "" {
		ts = append(ts, promtest.Target{Job: "sandbox", Addr: servicesAddr, HonorLabels: true})
	}
	return append(ts, promtest.Target{Job: "opsbot", Addr: opsbotAddr})
}

func startPrometheus(root string, targets []promtest.Target, amURL string) (*promtest.Server, error) {
	dir, err := subdir(root, "prometheus")
	if err != nil {
		return nil, err
	}
	opts := []promtest.Option{promtest.WithHosts(), promtest.WithTargets(targets...), promtest.WithRules(rules)}
	if amURL != "" {
		opts = append(opts, promtest.WithAlertmanager(strings.TrimPrefix(amURL, "http://")))
	}
	return promtest.New(dir, opts...)
}

func subdir(root, name string) (string, error) {
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("%s directory: %w", name, err)
	}
	return dir, nil
}
