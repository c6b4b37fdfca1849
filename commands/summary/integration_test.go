package summary

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/prometheus/promtest"
	"opsbot/integrations/testenv"
)

// Rules that fire within seconds: a target that is down, and one alert
// that always fires.
const summaryRules = `
groups:
- name: summary
  rules:
  - alert: TargetDown
    expr: up == 0
    labels: {severity: critical}
  - alert: AlwaysOn
    expr: vector(1)
    labels: {severity: warning}
`

// Against a real Prometheus (two hosts up, one down, rules firing to a
// real Alertmanager), the monitoring section counts the targets, the
// alerts firing now by severity, the noisiest alerts and the alerts per
// day; once Alertmanager is gone it says so in one line and the rest of
// the section, and the summary, still stand.
func TestSummaryAgainstRealPrometheusAndAlertmanager(t *testing.T) {
	am := amtest.Start(t)
	ps := promtest.Start(t, promtest.WithHosts("web-1", "web-2"), promtest.WithDownTargets("web-3"),
		promtest.WithRules(summaryRules), promtest.WithAlertmanager(strings.TrimPrefix(am.URL(), "http://")))
	prom, err := promapi.New(promapi.Config{URL: ps.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.Close() })
	amc, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureOpts{prom: prom, am: amc})
	f.seed(t, identity)
	s, err := New(nil, Deps{Chat: f.chat, Sources: f.sources(), Draw: fakeDraw})
	if err != nil {
		t.Fatal(err)
	}
	build := func() (string, Built) {
		b := s.Build(context.Background(), Summary{}, time.Now(), occasion{}, true)
		return blocksText(t, b.Message), b
	}

	var text string
	var b Built
	testenv.Eventually(t, 60*time.Second, func() bool {
		text, b = build()
		return strings.Contains(text, "*Targets*: 2 up, 1 down: `web-3:9100`") &&
			strings.Contains(text, "*Firing now*: 2 (1 critical, 1 warning)") &&
			strings.Contains(text, "`AlwaysOn` (1)") && strings.Contains(text, "`TargetDown` (1)")
	}, "the monitoring section of real Prometheus and Alertmanager")
	if b.Chart == nil || !strings.Contains(string(b.Chart.Content), "alerts firing:") || !strings.HasSuffix(strings.TrimSpace(string(b.Chart.Content)), "=2") {
		t.Errorf("chart = %q, want today's 2 alerts firing", b.Chart)
	}
	slackTakes(t, b)

	if err := am.Close(); err != nil {
		t.Fatal(err)
	}
	text, b = build()
	if !strings.Contains(text, ":warning: could not reach Alertmanager at "+am.URL()) || !strings.Contains(text, "*Targets*: 2 up, 1 down") ||
		!strings.Contains(text, "*Incidents*") || !strings.Contains(text, "*Changes*") {
		t.Errorf("with Alertmanager gone:\n%s", text)
	}
	slackTakes(t, b)
}
