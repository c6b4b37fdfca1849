package oncall

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/args"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

type nopChat struct{}

func (nopChat) Post(context.Context, bot.Message) (string, error)         { return "1.1", nil }
func (nopChat) Update(context.Context, string, string, bot.Message) error { return nil }

type nopSteps struct{}

func (nopSteps) Schedule(context.Context, string, string, time.Time, string) error { return nil }
func (nopSteps) Cancel(context.Context, string, string) error                      { return nil }

// BenchmarkWho measures `oncall who` over 50 schedules with 100 overrides
// each, against a real redis-server (one GET per call while the overrides
// are unchanged):
//
//	go test ./commands/oncall -run '^$' -bench Who -benchtime 2000x
func BenchmarkWho(b *testing.B) {
	srv := redistest.Start(b)
	store := redisstore.New(srv.Client(b), "b")
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	zones := []string{"Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"}
	var cfg Config
	for i := 0; i < 50; i++ {
		cfg.Schedules = append(cfg.Schedules, ScheduleConfig{Name: fmt.Sprintf("s%02d", i), Zone: zones[i%len(zones)],
			Users: []string{"U1ALICE", "U2BOB", "U3CAROL"}, Shift: []string{"24h", "1w", "12h"}[i%3], Handoff: "09:00", Start: "2026-01-05"})
	}
	s, err := New(cfg, Deps{Store: store, Chat: nopChat{}, Steps: nopSteps{}, Clock: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		for j := 0; j < 100; j++ {
			start := now.Add(-2*time.Hour + time.Duration(j)*6*time.Hour)
			o := Override{Schedule: fmt.Sprintf("s%02d", i), User: "U0CONSOLE", Start: start, End: start.Add(4 * time.Hour), By: "U1ALICE", Created: now}
			if _, err := s.overrides.add(ctx, o, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	req := &bot.Request{UserID: "U1ALICE", Args: mustArgs(b, "")}
	rep, err := s.cmdWho(ctx, req)
	if err != nil || strings.Count(rep.Text, "\n") != 50 || !strings.Contains(rep.Text, "(override OVR-") {
		b.Fatalf("who = %v, %v", rep, err)
	}
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := s.cmdWho(ctx, req); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	b.StopTimer()
	testkit.ReportPercentiles(b, durs)
}

func mustArgs(tb testing.TB, s string) args.Args {
	a, err := args.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
