package sshexec

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"opsbot/integrations/sshexec/sshtest"
)

// fleet starts n loopback hosts from 127.0.0.first and returns them as
// targets named web-<ip>.
func fleet(t *testing.T, first, n int) (*sshtest.Server, []Target) {
	s := sshtest.Start(t, sshtest.LoopbackRange(first, n))
	targets := make([]Target, 0, n)
	for _, h := range s.Hosts() {
		targets = append(targets, Target{Name: "web-" + h.IP, Address: h.IP, Port: h.Port})
	}
	return s, targets
}

func downTarget(t *testing.T, ip string) Target {
	ip, port := closedPort(t, ip)
	return Target{Name: "down-" + ip, Address: ip, Port: port}
}

// progressLog records Progress calls and checks they are serial and
// counting up.
type progressLog struct {
	t      *testing.T
	mu     sync.Mutex
	calls  int
	failed int
}

func (p *progressLog) record(done, total, failed int, r Result) {
	if !p.mu.TryLock() {
		p.t.Error("Progress called concurrently")
		return
	}
	defer p.mu.Unlock()
	p.calls++
	if done != p.calls {
		p.t.Errorf("progress done = %d on call %d", done, p.calls)
	}
	if failed < p.failed {
		p.t.Errorf("progress failed went down: %d after %d", failed, p.failed)
	}
	p.failed = failed
}

func TestRunManyEveryHost(t *testing.T) {
	t.Parallel()
	s, targets := fleet(t, 11, 24)
	e := newTestExecutor(t, testConfig(s))
	progress := &progressLog{t: t}
	res := e.RunMany(context.Background(), targets, Command{Argv: []string{"sh", "-c", `echo "$SSH_CONNECTION"`}},
		FanoutOptions{Concurrency: 8, Progress: progress.record})
	if res.Succeeded != 24 || res.Failed != 0 || res.Skipped != 0 || res.Stopped {
		t.Fatalf("result %d ok / %d failed / %d skipped (stopped %v), want all 24 ok", res.Succeeded, res.Failed, res.Skipped, res.Stopped)
	}
	for i, r := range res.Results {
		// The server address in SSH_CONNECTION shows which host answered.
		if f := strings.Fields(r.Stdout); len(f) != 4 || f[2] != targets[i].Address || r.Target.Name != targets[i].Name {
			t.Errorf("result %d (%s) came from %q", i, targets[i].Name, r.Stdout)
		}
	}
	if progress.calls != 24 {
		t.Errorf("progress called %d times, want 24", progress.calls)
	}
}

// A rolling run stops before the next batch once the threshold is
// reached; unreachable hosts fail alone, with the reason.
func TestRunManyStopsOnFailureThreshold(t *testing.T) {
	t.Parallel()
	s, up := fleet(t, 51, 20)
	down := []Target{downTarget(t, "127.0.0.91"), downTarget(t, "127.0.0.92"), downTarget(t, "127.0.0.93")}
	tests := []struct {
		name    string
		targets []Target
		opts    FanoutOptions
		ok      int
		failed  int
		skipped int
	}{
		{
			name: "count",
			// batch 1: 5 up; batch 2: 2 up + 3 down; then stop.
			targets: append(append(append([]Target{}, up[:7]...), down...), up[7:]...),
			opts:    FanoutOptions{Concurrency: 4, BatchSize: 5, StopAfterFailures: 2},
			ok:      7, failed: 3, skipped: 13,
		},
		{
			name: "fraction",
			// batch 1: 2 up + 2 down = 50% > 40%: stop.
			targets: append([]Target{up[0], down[0], up[1], down[1]}, up[2:]...),
			opts:    FanoutOptions{Concurrency: 4, BatchSize: 4, StopAboveFraction: 0.4},
			ok:      2, failed: 2, skipped: 18,
		},
		{
			name:    "below threshold",
			targets: append([]Target{down[0]}, up...),
			opts:    FanoutOptions{BatchSize: 7, StopAfterFailures: 2, StopAboveFraction: 0.5},
			ok:      20, failed: 1, skipped: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestExecutor(t, testConfig(s))
			progress := &progressLog{t: t}
			tt.opts.Progress = progress.record
			res := e.RunMany(context.Background(), tt.targets, Command{Argv: []string{"true"}}, tt.opts)
			if res.Succeeded != tt.ok || res.Failed != tt.failed || res.Skipped != tt.skipped {
				t.Fatalf("got %d ok / %d failed / %d skipped, want %d / %d / %d (%s)",
					res.Succeeded, res.Failed, res.Skipped, tt.ok, tt.failed, tt.skipped, res.StopReason)
			}
			if res.Stopped != (tt.skipped > 0) {
				t.Errorf("stopped = %v (%q)", res.Stopped, res.StopReason)
			}
			for i, r := range res.Results {
				name := tt.targets[i].Name
				switch {
				case strings.HasPrefix(name, "down-") && r.Err != nil && !errors.Is(r.Err, ErrSkipped):
					if !errors.Is(r.Err, ErrUnreachable) || !strings.Contains(r.Err.Error(), name) || !strings.Contains(r.Err.Error(), "refused") {
						t.Errorf("%s: err = %v, want ErrUnreachable naming the host and reason", name, r.Err)
					}
				case errors.Is(r.Err, ErrSkipped):
					if i < tt.ok+tt.failed {
						t.Errorf("%s (position %d) skipped before the stop", name, i)
					}
				case r.Err != nil:
					t.Errorf("%s: %v", name, r.Err)
				}
			}
			if progress.calls != tt.ok+tt.failed || progress.failed != tt.failed {
				t.Errorf("progress: %d calls, %d failed; want %d, %d", progress.calls, progress.failed, tt.ok+tt.failed, tt.failed)
			}
		})
	}
}

func TestRunManyCancel(t *testing.T) {
	t.Parallel()
	s, targets := fleet(t, 71, 10)
	e := newTestExecutor(t, testConfig(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := e.RunMany(ctx, targets, Command{Argv: []string{"true"}}, FanoutOptions{
		Concurrency: 1,
		Progress:    func(done, total, failed int, r Result) { cancel() },
	})
	// The host running when cancel lands may fail as canceled; the rest
	// never start.
	if res.Succeeded < 1 || res.Skipped < len(targets)-2 || !res.Stopped {
		t.Errorf("got %d ok / %d failed / %d skipped, stopped %v; want the run stopped after the first host",
			res.Succeeded, res.Failed, res.Skipped, res.Stopped)
	}
	for _, r := range res.Results[res.Succeeded+res.Failed:] {
		if !errors.Is(r.Err, ErrSkipped) {
			t.Errorf("%s: err = %v, want ErrSkipped", r.Target.Name, r.Err)
		}
	}
}
