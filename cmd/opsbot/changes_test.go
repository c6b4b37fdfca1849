package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/commands/actions"
	"opsbot/commands/change"
)

// deskChat records the change desk's messages.
type deskChat struct {
	mu      sync.Mutex
	updates []string
}

func (c *deskChat) Post(context.Context, bot.Message) (string, error) { return "1.0", nil }
func (c *deskChat) Update(_ context.Context, _, _ string, m bot.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates = append(c.updates, m.Text)
	return nil
}
func (c *deskChat) Upload(context.Context, string, string, bot.File) error { return nil }
func (c *deskChat) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.updates) == 0 {
		return ""
	}
	return c.updates[len(c.updates)-1]
}

type nopAudit struct{}

func (nopAudit) Record(context.Context, audit.Entry) error { return nil }

// TestSweepMarksExpiredAtStart runs the app's sweep with a real desk on a
// real Redis: a request past its expiry is marked expired by the sweep
// that runs at start, before the first tick.
func TestSweepMarksExpiredAtStart(t *testing.T) {
	store := newTestStore(t)
	cat, err := actions.New(actions.Config{
		Groups:  map[string]actions.GroupConfig{"web": {Services: []string{"nginx"}}},
		Hosts:   []actions.HostConfig{{Name: "web-1", Address: "10.0.0.1", Groups: []string{"web"}, Env: "prod"}},
		Actions: map[string]actions.ActionConfig{"restart": {Argv: []string{"systemctl", "restart", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC).UnixNano())
	chat := &deskChat{}
	desk, err := change.New(change.Deps{Store: store, Chat: chat, Runner: noSSH{}, Resolver: cat, Actions: cat, Audit: nopAudit{},
		Clock: func() time.Time { return time.Unix(0, now.Load()) }}, change.Config{Expiry: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r, err := change.ParseRequest("restart nginx on web-1 -- sweep test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Request(context.Background(), r, "UALICE", bot.RoleOperator, "C1"); err != nil {
		t.Fatal(err)
	}
	now.Add(int64(61 * time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sweepChanges(ctx, store, desk, time.Hour, slog.New(slog.DiscardHandler))
	}()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(chat.last(), "CHG-1") || !strings.HasSuffix(chat.last(), ": expired") {
		select {
		case <-deadline:
			cancel()
			<-done
			t.Fatalf("not marked expired; last update %q", chat.last())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
}

// fakeDesk counts sweeps and how many ran at once.
type fakeDesk struct {
	sweeps, inFlight, maxInFlight, waits atomic.Int32
}

func (d *fakeDesk) SweepExpired(context.Context) (int, error) {
	n := d.inFlight.Add(1)
	for {
		m := d.maxInFlight.Load()
		if n <= m || d.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(20 * time.Millisecond) // long enough for another replica to try
	d.inFlight.Add(-1)
	d.sweeps.Add(1)
	return 0, nil
}
func (d *fakeDesk) SweepInterrupted(context.Context) (int, error) { return 0, nil }
func (d *fakeDesk) SweepStalled(context.Context) (int, error)     { return 0, nil }
func (d *fakeDesk) Wait()                                         { d.waits.Add(1) }

// TestSweepOneReplicaAtATime runs two replicas' sweeps on a short interval
// against one Redis: the lock lets only one sweep at a time, and each
// waits for its desk's runs when stopped.
func TestSweepOneReplicaAtATime(t *testing.T) {
	store := newTestStore(t)
	desk := &fakeDesk{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { sweepChanges(ctx, store, desk, 100*time.Millisecond, slog.New(slog.DiscardHandler)) })
	}
	deadline := time.After(20 * time.Second)
	for desk.sweeps.Load() < 6 {
		select {
		case <-deadline:
			t.Fatalf("only %d sweeps", desk.sweeps.Load())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	wg.Wait()
	if m := desk.maxInFlight.Load(); m != 1 {
		t.Errorf("%d sweeps ran at once, want 1", m)
	}
	if w := desk.waits.Load(); w != 2 {
		t.Errorf("Wait called %d times, want once per replica", w)
	}
}
