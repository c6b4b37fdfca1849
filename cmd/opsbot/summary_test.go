package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// closedURL is an http URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// The console's built-in demo has a daily summary job, and `summary now`
// builds one from the demo's own state: its on-call schedules, the
// incident just opened, no changes; its monitoring, which is not running
// here, is one line each for Prometheus and Alertmanager.
func TestDemoHasADailySummary(t *testing.T) {
	prom, am := closedURL(t), closedURL(t)
	t.Setenv("PROMETHEUS_URL", prom)
	t.Setenv("ALERTMANAGER_URL", am)
	t.Setenv("OPSBOT_CONFIG", "")
	script := "jobs list\nincident open sev2 checkout latency above 2s\nsummary now\nquit\n"
	var out, errOut bytes.Buffer
	m := NewMain(strings.NewReader(script), &out, &errOut)
	if err := m.ParseFlags([]string{"console", "-as", "U0CONSOLE"}); err != nil {
		t.Fatal(err)
	}
	m.ConfigPath = "testdata/console/absent.yaml" // does not exist: demo settings
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("console: %v\nstderr: %s", err, errOut.String())
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	_, summary, _ := strings.Cut(got, "> summary now")
	for _, want := range []string{
		"• *daily-summary* `0 8 * * *` (Europe/Berlin)",
		"posts the daily health summary in C0OPS",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("jobs list lacks %q:\n%s", want, got)
		}
	}
	for _, want := range []string{
		"== Daily health summary ==",
		"*On call*\n• *sre*: @console until",
		"*Incidents*\n*Last 24 h*: 1 opened, 0 resolved\n*Open now*: 1 (1 SEV2), 1 not acknowledged",
		"INC-1* SEV2 checkout latency above 2s",
		":warning: could not reach Prometheus at " + prom + "; is it running?",
		":warning: could not reach Alertmanager at " + am + " to list alerts; is it running?",
		"(`summary now here`)",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary now lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "*Changes*") {
		t.Errorf("a change section without changes:\n%s", summary)
	}
}
