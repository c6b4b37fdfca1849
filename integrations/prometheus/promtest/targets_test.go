package promtest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/testenv"
)

// TestNewScrapesRealTargetsAndAlertsAlertmanager: a Server from New with
// no fake hosts scrapes a real node exporter under the labels given, and
// an alert that fires at once reaches Alertmanager within seconds, though
// Prometheus found Alertmanager only after the first evaluation (without
// a short resend delay it would arrive a minute later). Close stops it.
func TestNewScrapesRealTargetsAndAlertsAlertmanager(t *testing.T) {
	node := StartNodeExporter(t)
	am := amtest.Start(t)
	s, err := New(t.TempDir(), WithHosts(),
		WithTargets(Target{Job: "node", Addr: node.Addr(), Labels: map[string]string{"instance": "web-1:9100"}}),
		WithRules("groups: [{name: t, rules: [{alert: Always, expr: vector(1)}]}]"),
		WithAlertmanager(am.URL()[len("http://"):]))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitForSamples(ctx, `node_load1{job="node",instance="web-1:9100"}`); err != nil {
		t.Fatalf("%v\nprometheus log:\n%s", err, s.Logs())
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	testenv.Eventually(t, 15*time.Second, func() bool {
		res, err := client.Get(am.URL() + "/api/v2/alerts")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var alerts []struct{ Labels map[string]string }
		return json.NewDecoder(res.Body).Decode(&alerts) == nil && len(alerts) == 1 && alerts[0].Labels["alertname"] == "Always"
	}, "the alert in Alertmanager")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.proc.Done():
	default:
		t.Error("prometheus still runs after Close")
	}
}
