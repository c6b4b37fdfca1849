package change

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
	"opsbot/integrations/testenv"
)

// syncLog is a log buffer safe for the desk's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *syncLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestRunOutlivesTheApprovingRequest(t *testing.T) {
	// given a change whose command takes a while, approved by a click
	// whose context ends while it runs (the answer given up on, or a stop's
	// drain over)
	e := newEnv(t)
	c := e.request(t, "slow on web-1 -- outlive the click")
	ctx, cancel := context.WithCancel(context.Background())
	replied := make(chan string, 1)
	go func() {
		msg, err := e.svc.Approve(ctx, c.ID, "UBOB", bot.RoleApprover, "")
		if err != nil {
			msg = "error: " + err.Error()
		}
		replied <- msg
	}()
	testenv.Eventually(t, 10*time.Second, func() bool { return e.started("slow") }, "the slow command to start")
	cancel()
	// then the approver hears it is running, and a stop waits for the run
	if msg := <-replied; !strings.Contains(msg, "it is running") {
		t.Errorf("reply %q", msg)
	}
	e.svc.Wait()
	got, _ := e.svc.st.get(context.Background(), c.ID)
	if got.State != StateSucceeded || !strings.Contains(e.thread(c.TS), "slow work done") {
		t.Errorf("state %s result %q, thread:\n%s", got.State, got.Result, e.thread(c.TS))
	}
}

func TestRunOutcomeSurvivesARedisRestart(t *testing.T) {
	// given a change running on a real sshd, with Redis saving its state
	e := newEnv(t)
	logs := &syncLog{}
	e.svc.log = slog.New(slog.NewTextHandler(logs, nil))
	c := e.request(t, "slow on web-1 -- redis blip at the end")
	replied := make(chan string, 1)
	go func() {
		msg, _ := e.svc.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, "")
		replied <- msg
	}()
	testenv.Eventually(t, 10*time.Second, func() bool { return e.started("slow") }, "the slow command to start")
	// when Redis dies while the command runs, and comes back only after
	// the run has tried to record its outcome
	if err := e.store.Client().Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	e.redis.Kill()
	testenv.Eventually(t, 15*time.Second, func() bool { return strings.Contains(logs.String(), "finish change") }, "the run to try to record its outcome")
	e.redis.Restart(t)
	// then the outcome is recorded: the hosts' success is not lost
	if msg := <-replied; !strings.Contains(msg, "it ran: succeeded") {
		t.Errorf("reply %q", msg)
	}
	got, err := e.svc.st.get(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateSucceeded || !strings.HasPrefix(got.Result, "1 succeeded") {
		t.Fatalf("state %s result %q\nlogs:\n%s", got.State, got.Result, logs.String())
	}
	if n, err := e.svc.SweepInterrupted(context.Background()); n != 0 || err != nil {
		t.Errorf("the sweep found %d interrupted, %v", n, err)
	}
}

// panicRunner is a runner with a bug.
type panicRunner struct{}

func (panicRunner) RunMany(context.Context, []sshexec.Target, sshexec.Command, sshexec.FanoutOptions) sshexec.FanoutResult {
	var r *sshexec.FanoutResult
	return *r
}

func TestRunThatPanicsIsRecoveredAndFailed(t *testing.T) {
	// given a desk whose runner panics
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	p := bot.NewPanics(reg, slog.New(slog.DiscardHandler))
	desk, err := New(Config{Channel: "CCHANGES"}, Deps{Store: e.store, Chat: e.chat, Runner: panicRunner{}, Resolver: e.cat, Actions: e.cat,
		Audit: e.audit, Clock: e.clock.Now, Panics: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(desk.Wait)
	r, _ := ParseRequest("restart nginx on web-1 -- bug")
	c, err := desk.Request(context.Background(), r, "UALICE", bot.RoleOperator, "C1")
	if err != nil {
		t.Fatal(err)
	}
	// when it is approved, the approver hears of an internal error, the
	// change is failed (not left running) and the panic is counted
	msg, err := desk.Approve(context.Background(), c.ID, "UBOB", bot.RoleApprover, "")
	if err != nil || !strings.Contains(msg, "internal error") {
		t.Errorf("approve: %q %v", msg, err)
	}
	got, _ := desk.st.get(context.Background(), c.ID)
	if got.State != StateFailed || !strings.HasPrefix(got.Result, "internal error") {
		t.Errorf("state %s result %q", got.State, got.Result)
	}
	expectMetrics(t, reg, `opsbot_panics_total{where="change.run"} 1`, "opsbot_panics_total")
}

var _ actions.Runner = panicRunner{}
