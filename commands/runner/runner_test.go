package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"opsbot/integrations/sshexec"
	"opsbot/integrations/sshexec/sshtest"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fleet is n real sshd hosts and an executor for them.
func fleet(t *testing.T, first, n int) (*sshexec.Executor, []sshexec.Target) {
	t.Helper()
	s := sshtest.Start(t, sshtest.LoopbackRange(first, n))
	ex, err := sshexec.New(sshexec.Config{KnownHosts: s.KnownHostsFile(), KeyFile: s.ClientKeyFile(), User: s.User(),
		ConnectTimeout: 5 * time.Second, CommandTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	var targets []sshexec.Target
	for _, h := range s.Hosts() {
		targets = append(targets, sshexec.Target{Name: "web-" + h.IP, Address: h.IP, Port: h.Port})
	}
	return ex, targets
}

// down is a host nothing listens on.
func down(t *testing.T, ip string) sshexec.Target {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return sshexec.Target{Name: "down-" + ip, Address: ip, Port: port}
}

// A rolling run stops before the next batch once a threshold is reached;
// unreachable hosts fail alone, and the hosts not run are reported
// skipped with the reason, against real sshd hosts.
func TestRolloutStopsOnFailureThreshold(t *testing.T) {
	ex, up := fleet(t, 151, 20)
	dn := []sshexec.Target{down(t, "127.0.0.191"), down(t, "127.0.0.192"), down(t, "127.0.0.193")}
	for _, tt := range []struct {
		name                string
		targets             []sshexec.Target
		policy              Policy
		ok, failed, skipped int
		reason              string
	}{
		// batch 1: 5 up; batch 2: 2 up + 3 down; then stop.
		{"count", append(append(append([]sshexec.Target{}, up[:7]...), dn...), up[7:]...),
			Policy{Concurrency: 4, BatchSize: 5, StopAfterFailures: 2}, 7, 3, 13, "3 hosts failed (stop after 2)"},
		// batch 1: 2 up + 2 down = 50% > 40%: stop.
		{"fraction", append([]sshexec.Target{up[0], dn[0], up[1], dn[1]}, up[2:]...),
			Policy{Concurrency: 4, BatchSize: 4, StopAboveFraction: 0.4}, 2, 2, 18, "2 of 4 hosts failed (more than 40%)"},
		{"below threshold", append([]sshexec.Target{dn[0]}, up...),
			Policy{BatchSize: 7, StopAfterFailures: 2, StopAboveFraction: 0.5}, 20, 1, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chat, log := testkit.NewChat(), &testkit.Audit{}
			r := New(ex, chat, log, nil)
			job, err := r.Open(context.Background(), Job{Label: "true run", Targets: tt.targets, Command: sshexec.Command{Argv: []string{"true"}},
				Policy: tt.policy, User: "U1", Action: "service.true", Detail: "true", Channel: "C1"})
			if err != nil {
				t.Fatal(err)
			}
			res := r.Run(context.Background(), job)
			if res.Succeeded != tt.ok || res.Failed != tt.failed || res.Skipped != tt.skipped || res.StopReason != tt.reason {
				t.Fatalf("got %d ok / %d failed / %d skipped (%q), want %d / %d / %d (%q)",
					res.Succeeded, res.Failed, res.Skipped, res.StopReason, tt.ok, tt.failed, tt.skipped, tt.reason)
			}
			if len(res.Results) != len(tt.targets) {
				t.Fatalf("%d results for %d targets", len(res.Results), len(tt.targets))
			}
			for i, rr := range res.Results {
				if rr.Target.Name != tt.targets[i].Name {
					t.Errorf("result %d is %s, want %s: results keep the targets' order", i, rr.Target.Name, tt.targets[i].Name)
				}
				if errors.Is(rr.Err, sshexec.ErrSkipped) && i < tt.ok+tt.failed {
					t.Errorf("%s (position %d) skipped before the stop", rr.Target.Name, i)
				}
			}
			if tt.skipped > 0 && !strings.Contains(res.Summary, "stopped: "+tt.reason) {
				t.Errorf("summary %q does not say why it stopped", res.Summary)
			}
		})
	}
}

// fakeExec runs nothing: every host of a batch succeeds unless named in
// fail, and each batch is recorded.
type fakeExec struct {
	mu      sync.Mutex
	batches [][]string
	fail    map[string]bool
}

func (f *fakeExec) RunMany(_ context.Context, targets []sshexec.Target, _ sshexec.Command, opts sshexec.FanoutOptions) sshexec.FanoutResult {
	f.mu.Lock()
	var names []string
	for _, t := range targets {
		names = append(names, t.Name)
	}
	f.batches = append(f.batches, names)
	f.mu.Unlock()
	var res sshexec.FanoutResult
	for i, t := range targets {
		r := sshexec.Result{Target: t, Stdout: "hello from " + t.Name + " <!here>\n"}
		if f.fail[t.Name] {
			r.Err, r.ExitStatus = errors.New("exit status 1"), 1
			res.Failed++
		} else {
			res.Succeeded++
		}
		res.Results = append(res.Results, r)
		if opts.Progress != nil {
			opts.Progress(i+1, len(targets), res.Failed, r)
		}
	}
	return res
}

func hosts(n int) []sshexec.Target {
	var out []sshexec.Target
	for i := 1; i <= n; i++ {
		out = append(out, sshexec.Target{Name: fmt.Sprintf("h%d", i), Address: fmt.Sprintf("10.0.0.%d", i)})
	}
	return out
}

// A gate between batches (a health check) that fails stops the rollout
// there: later batches never run and are reported skipped with its words.
func TestGateStopsBetweenBatches(t *testing.T) {
	ex := &fakeExec{}
	r := New(ex, testkit.NewChat(), &testkit.Audit{}, nil)
	var gated []int
	res := r.Run(context.Background(), Job{Label: "patch", Targets: hosts(6), Policy: Policy{BatchSize: 2}, Channel: "C1", Thread: "1.1",
		Gate: func(_ context.Context, batch int, sofar sshexec.FanoutResult) error {
			gated = append(gated, batch)
			if batch == 2 {
				return fmt.Errorf("h3 is not up in Prometheus after 2 minutes")
			}
			return nil
		}})
	if len(ex.batches) != 2 || len(gated) != 2 || gated[0] != 1 {
		t.Fatalf("batches run %v, gate called after %v; want two batches and the gate after each", ex.batches, gated)
	}
	if res.Succeeded != 4 || res.Skipped != 2 || res.StopReason != "h3 is not up in Prometheus after 2 minutes" {
		t.Errorf("result %d ok / %d skipped (%q)", res.Succeeded, res.Skipped, res.StopReason)
	}
}

// Given a run on 40 hosts, the progress message is posted, updated about
// twenty times counting up, and ends with the final line; the per-host
// report goes in its thread with hosts' output escaped; the audit trail
// has the start and the outcome.
func TestRunReportsProgressThreadAndAudit(t *testing.T) {
	ex := &fakeExec{fail: map[string]bool{"h7": true}}
	chat, log := testkit.NewChat(), &testkit.Audit{}
	r := New(ex, chat, log, nil)
	job, err := r.Open(context.Background(), Job{Label: "nginx restart", Targets: hosts(40), Policy: Policy{BatchSize: 10},
		User: "U2", Action: "service.restart", Detail: "restart unit=nginx", Channel: "COPS"})
	if err != nil {
		t.Fatal(err)
	}
	res := r.Run(context.Background(), job)
	if res.Outcome != "partially_failed" || res.Failed != 1 {
		t.Fatalf("outcome %s, %d failed", res.Outcome, res.Failed)
	}
	var lines []string
	for _, p := range chat.All() {
		if p.TS == job.Thread && p.Channel == "COPS" {
			lines = append(lines, p.Msg.Text)
		}
	}
	if len(lines) < 10 || lines[0] != "nginx restart: 0/40 hosts, 0 failed" || lines[len(lines)-1] != res.Final ||
		!strings.Contains(res.Final, "nginx restart: 40/40 hosts, 1 failed · partially failed") {
		t.Errorf("progress message versions:\n%s", strings.Join(lines, "\n"))
	}
	var thread []string
	for _, p := range chat.All() {
		if p.Thread == job.Thread && !p.Update {
			thread = append(thread, p.Msg.Text)
		}
	}
	report := strings.Join(thread, "\n")
	if !strings.Contains(report, ":x: *h7*") || strings.Contains(report, "<!here>") || !strings.Contains(report, "&lt;!here&gt;") {
		t.Errorf("thread report:\n%.600s", report)
	}
	if es := log.Entries(); len(es) != 2 || es[0].Outcome != "started" || es[1].Outcome != "partially_failed" ||
		es[1].Action != "service.restart" || !strings.HasPrefix(es[1].Detail, "restart unit=nginx: 39 succeeded, 1 failed") {
		t.Errorf("audit = %+v", es)
	}
}

// A run cut off by its context still reports what happened: the hosts not
// run are skipped, and the final line and report are posted.
func TestRunCutOffStillReports(t *testing.T) {
	ex := &fakeExec{}
	chat := testkit.NewChat()
	r := New(ex, chat, &testkit.Audit{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	res := r.Run(ctx, Job{Label: "slow", Targets: hosts(4), Policy: Policy{BatchSize: 1}, Channel: "C1", Thread: "1.1",
		Gate: func(context.Context, int, sshexec.FanoutResult) error { cancel(); return nil }})
	if res.Succeeded != 1 || res.Skipped != 3 || !strings.HasPrefix(res.StopReason, "cancelled") {
		t.Errorf("result %d ok / %d skipped (%q)", res.Succeeded, res.Skipped, res.StopReason)
	}
	if last := chat.Last("C1", "1.1"); !strings.Contains(last.Text, "1/4 hosts") {
		t.Errorf("final line after the cut = %q", last.Text)
	}
}
