package monitor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot/golden"
	"opsbot/integrations/alertmanager"
)

var t0 = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

// goldenGroup is a group of two alerts with every kind of link.
func goldenGroup(status string) *group {
	m := alertmanager.Message{
		Version: "4", GroupKey: `{}:{alertname="HighCPU"}`, Status: status, Receiver: "opsbot",
		GroupLabels:       map[string]string{"alertname": "HighCPU"},
		CommonLabels:      map[string]string{"alertname": "HighCPU", "severity": "critical", "job": "node"},
		CommonAnnotations: map[string]string{"runbook_url": "https://runbooks.example/high-cpu", "dashboard": "https://grafana.example/d/node"},
		ExternalURL:       "http://alertmanager.example:9093",
	}
	for i, inst := range []string{"web-1:9100", "db-1:9100"} {
		a := alertmanager.Alert{
			Status:       status,
			Labels:       map[string]string{"alertname": "HighCPU", "severity": "critical", "job": "node", "instance": inst},
			Annotations:  map[string]string{"summary": "CPU above 90% on " + inst, "description": "CPU has been busy for 10 minutes <check cron jobs> & batch", "runbook_url": "https://runbooks.example/high-cpu", "dashboard": "https://grafana.example/d/node"},
			StartsAt:     t0.Add(-time.Duration(i+1) * 10 * time.Minute),
			GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=cpu",
		}
		if status == alertmanager.StatusResolved {
			a.EndsAt = t0.Add(5 * time.Minute)
		}
		m.Alerts = append(m.Alerts, a)
	}
	return &group{ID: groupID("CALERTS", m.GroupKey), Channel: "CALERTS", Msg: m}
}

// To update: go test ./commands/monitor -run TestRenderGolden -update
func TestRenderGolden(t *testing.T) {
	x := extras{Owners: map[string]string{"web-1": "U0OWNER"}, OnCall: "U0ONCALL"}
	tests := []struct {
		name  string
		group func() *group
	}{
		{"firing", func() *group { return goldenGroup(alertmanager.StatusFiring) }},
		{"acked", func() *group {
			g := goldenGroup(alertmanager.StatusFiring)
			g.Ack = &mark{User: "U0ACKER", At: t0.Add(2 * time.Minute)}
			return g
		}},
		{"silenced", func() *group {
			g := goldenGroup(alertmanager.StatusFiring)
			g.Silence = &silenceMark{ID: "5c2e0d9a", User: "U0SILENCER", Until: t0.Add(4 * time.Hour)}
			g.Incident = "INC-7"
			return g
		}},
		{"silence_ended", func() *group {
			g := goldenGroup(alertmanager.StatusFiring)
			g.Silence = &silenceMark{ID: "5c2e0d9a", User: "U0SILENCER", Until: t0.Add(5 * time.Minute)}
			return g
		}},
		{"fired_again", func() *group {
			g := goldenGroup(alertmanager.StatusFiring)
			g.Episode, g.PrevIncident = "1", "INC-7"
			return g
		}},
		{"truncated", func() *group {
			g := goldenGroup(alertmanager.StatusFiring)
			more := payload(g.Msg.GroupKey, alertmanager.StatusFiring, g.Msg.CommonLabels, maxShownAlerts, t0)
			g.Msg.Alerts = append(g.Msg.Alerts, more.Alerts...)
			g.Msg.TruncatedAlerts = 40
			return g
		}},
		{"resolved", func() *group {
			g := goldenGroup(alertmanager.StatusResolved)
			g.Ack = &mark{User: "U0ACKER", At: t0.Add(2 * time.Minute)}
			return g
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.AssertJSON(t, "TestRenderGolden/"+tt.name+".json", renderGroup(tt.group(), x, t0.Add(10*time.Minute)))
		})
	}
}

// To update: go test ./commands/monitor -run TestRenderDigestGolden -update
func TestRenderDigestGolden(t *testing.T) {
	var groups []*group
	for i, name := range []string{"HighCPU", "DiskFull", "NodeDown"} {
		status := alertmanager.StatusFiring
		if i == 1 {
			status = alertmanager.StatusResolved
		}
		m := payload(name, status, map[string]string{"alertname": name}, 3+i, t0)
		groups = append(groups, &group{ID: groupID("CALERTS", name), Channel: "CALERTS", Msg: m})
	}
	golden.AssertJSON(t, "TestRenderDigestGolden/digest.json", renderDigest("CALERTS", groups, t0))
}

// Times on a card are Slack dates, each reader sees them in their own
// zone; the fallback is written in monitor.time_zone.
func TestRenderTimesInConfiguredZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	g := goldenGroup(alertmanager.StatusFiring)
	g.Ack = &mark{User: "U0ACKER", At: t0.Add(2 * time.Minute)}
	got := text(renderGroup(g, extras{Loc: berlin}, t0))
	if want := fmt.Sprintf("Acknowledged by <@U0ACKER> at <!date^%d^{date_short_pretty} {time}|2026-03-02 15:02 CET>", t0.Add(2*time.Minute).Unix()); !strings.Contains(got, want) {
		t.Errorf("card lacks %q:\n%s", want, got)
	}
}
