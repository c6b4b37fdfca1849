package change

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
)

// expectMetrics compares the samples of the named families in reg with
// want, one "name{label=\"value\"} value" a line in any order. (Like
// incident's tests it reads reg.Gather: prometheus/testutil needs a
// module the go.mod does not list.)
func expectMetrics(t *testing.T, reg *prometheus.Registry, want string, names ...string) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		if !slices.Contains(names, mf.GetName()) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			line := mf.GetName()
			if len(labels) > 0 {
				line += "{" + strings.Join(labels, ",") + "}"
			}
			v := m.GetCounter().GetValue()
			if m.GetGauge() != nil {
				v = m.GetGauge().GetValue()
			}
			got = append(got, fmt.Sprintf("%s %g", line, v))
		}
	}
	wantLines := strings.Split(strings.TrimSpace(want), "\n")
	slices.Sort(got)
	slices.Sort(wantLines)
	if g, w := strings.Join(got, "\n"), strings.Join(wantLines, "\n"); g != w {
		t.Errorf("metrics:\n%s\nwant:\n%s", g, w)
	}
}

// runs returns how many runs the duration histogram observed.
func runs(t *testing.T, reg *prometheus.Registry) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "opsbot_change_run_duration_seconds" {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatal("opsbot_change_run_duration_seconds is not registered")
	return 0
}

func TestMetricsOfRuns(t *testing.T) {
	// given a dead host first among the web hosts, and batches of two that
	// stop when more than a quarter of a batch failed
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	e := newEnv(t, func(c *Config, a *actions.Config, _ *sshexec.Config) {
		c.BatchSize, c.StopAboveFraction = 2, 0.25
		a.Hosts = append([]actions.HostConfig{{Name: "web-0", Address: "127.0.0.1", Port: closed, Groups: []string{"web"}, Env: "prod"}}, a.Hosts...)
	})
	ctx := context.Background()
	// when a change on every web host is requested, it waits for approval
	e.request(t, "restart nginx on web -- rolling")
	expectMetrics(t, e.reg, "opsbot_changes_pending 1\nopsbot_changes_total{event=\"requested\"} 1\n",
		"opsbot_changes_pending", "opsbot_changes_total")
	if n := runs(t, e.reg); n != 0 {
		t.Errorf("%d runs observed before any ran", n)
	}
	// and once approved it runs: 1 host ok, 1 failed, 2 skipped
	if _, err := e.svc.Approve(ctx, "CHG-1", "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	// then a change on one live host succeeds
	e.request(t, "restart nginx on web-1 -- again")
	if _, err := e.svc.Approve(ctx, "CHG-2", "UBOB", bot.RoleApprover, ""); err != nil {
		t.Fatal(err)
	}
	expectMetrics(t, e.reg, `
opsbot_changes_pending 0
opsbot_changes_total{event="requested"} 2
opsbot_changes_total{event="approved"} 2
opsbot_changes_total{event="started"} 2
opsbot_changes_total{event="partially_failed"} 1
opsbot_changes_total{event="succeeded"} 1
opsbot_change_hosts_total{result="ok"} 2
opsbot_change_hosts_total{result="failed"} 1
opsbot_change_hosts_total{result="skipped"} 2
`, "opsbot_changes_pending", "opsbot_changes_total", "opsbot_change_hosts_total")
	if n := runs(t, e.reg); n != 2 {
		t.Errorf("%d runs observed, want 2", n)
	}
}

func TestMetricsOfRequestsThatNeverRun(t *testing.T) {
	// given three requests
	e := newEnv(t)
	ctx := context.Background()
	for _, why := range []string{"one", "two", "three"} {
		e.request(t, "restart nginx on web -- "+why)
	}
	expectMetrics(t, e.reg, "opsbot_changes_pending 3\n", "opsbot_changes_pending")
	// when one is rejected, one cancelled, and one expires
	if _, err := e.svc.Reject(ctx, "CHG-1", "UBOB", bot.RoleApprover, "not now"); err != nil {
		t.Fatal(err)
	}
	// a refused decision counts nothing
	if _, err := e.svc.Reject(ctx, "CHG-1", "UBOB", bot.RoleApprover, "again"); err == nil {
		t.Fatal("rejected twice")
	}
	if _, err := e.svc.Cancel(ctx, "CHG-2", "UALICE", bot.RoleOperator); err != nil {
		t.Fatal(err)
	}
	expectMetrics(t, e.reg, "opsbot_changes_pending 1\n", "opsbot_changes_pending")
	e.clock.Add(61 * time.Minute)
	if _, err := e.svc.Approve(ctx, "CHG-3", "UBOB", bot.RoleApprover, ""); err == nil {
		t.Fatal("approved an expired change")
	}
	if n, err := e.svc.SweepExpired(ctx); err != nil || n != 0 {
		t.Fatalf("swept %d, %v; the approval already expired it", n, err)
	}
	// then each is counted once, nothing ran, and none is pending
	expectMetrics(t, e.reg, `
opsbot_changes_pending 0
opsbot_changes_total{event="requested"} 3
opsbot_changes_total{event="rejected"} 1
opsbot_changes_total{event="cancelled"} 1
opsbot_changes_total{event="expired"} 1
`, "opsbot_changes_pending", "opsbot_changes_total", "opsbot_change_hosts_total")
	if n := runs(t, e.reg); n != 0 {
		t.Errorf("%d runs observed, want 0", n)
	}
}
