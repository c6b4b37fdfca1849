package change

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
)

// The sweep job marks a request past its expiry expired.
func TestSweepMarksExpired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r, err := ParseRequest("restart nginx on web-1 -- sweep test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Request(ctx, r, "UALICE", bot.RoleOperator, "C1")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(61 * time.Minute)
	jobs := e.svc.Jobs()
	if len(jobs) != 1 || jobs[0].Name != SweepJob || jobs[0].Schedule != "@every 1m" {
		t.Fatalf("jobs = %+v", jobs)
	}
	if err := jobs[0].Run(ctx, bot.JobRun{Due: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.st.get(ctx, c.ID)
	if err != nil || got.State != StateExpired {
		t.Errorf("after the sweep: %+v, %v; want expired", got, err)
	}
}

// A part of the sweep that fails makes the run fail, naming it, after the
// other parts ran; a stop is not a failure.
func TestSweepFailsWithWhatFailed(t *testing.T) {
	e := newEnv(t)
	ran := 0
	ok := sweep{what: "ok", level: slog.LevelInfo, f: func(context.Context) (int, error) { ran++; return 1, nil }}
	bad := sweep{what: "sweep expired changes", level: slog.LevelInfo, f: func(context.Context) (int, error) { ran++; return 0, errors.New("redis down") }}
	err := e.svc.sweep(context.Background(), []sweep{bad, ok})
	if err == nil || !strings.Contains(err.Error(), "sweep expired changes: redis down") || ran != 2 {
		t.Errorf("sweep = %v after %d parts", err, ran)
	}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.svc.sweep(stopped, []sweep{bad}); err != nil {
		t.Errorf("a sweep cut off by a stop failed: %v", err)
	}
}
