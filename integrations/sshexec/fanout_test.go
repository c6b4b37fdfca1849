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

// Unreachable hosts fail alone, with the reason; the rest run.
func TestRunManyUnreachableHostsFailAlone(t *testing.T) {
	t.Parallel()
	s, up := fleet(t, 51, 6)
	down := []Target{downTarget(t, "127.0.0.91"), downTarget(t, "127.0.0.92")}
	targets := append([]Target{down[0], up[0], up[1], down[1]}, up[2:]...)
	e := newTestExecutor(t, testConfig(s))
	progress := &progressLog{t: t}
	res := e.RunMany(context.Background(), targets, Command{Argv: []string{"true"}}, FanoutOptions{Concurrency: 4, Progress: progress.record})
	if res.Succeeded != 6 || res.Failed != 2 || res.Skipped != 0 || res.Stopped {
		t.Fatalf("got %d ok / %d failed / %d skipped (stopped %v), want 6 / 2 / 0", res.Succeeded, res.Failed, res.Skipped, res.Stopped)
	}
	for i, r := range res.Results {
		name := targets[i].Name
		if strings.HasPrefix(name, "down-") {
			if !errors.Is(r.Err, ErrUnreachable) || !strings.Contains(r.Err.Error(), name) || !strings.Contains(r.Err.Error(), "refused") {
				t.Errorf("%s: err = %v, want ErrUnreachable naming the host and reason", name, r.Err)
			}
		} else if r.Err != nil {
			t.Errorf("%s: %v", name, r.Err)
		}
	}
	if progress.calls != 8 || progress.failed != 2 {
		t.Errorf("progress: %d calls, %d failed; want 8, 2", progress.calls, progress.failed)
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
