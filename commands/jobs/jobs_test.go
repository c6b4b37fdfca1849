package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/jobs"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
	"opsbot/jobs/scheduler"
)

// Given a scheduler with a job on a real Redis, the commands list it,
// run it by hand (admin only), pause and resume it, show its history, and
// answer an unknown name with the nearest one.
func TestJobsCommands(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	c := testkit.NewClock(time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)) // 07:00 in Berlin
	l := loop.New(store, loop.Options{Clock: c.Now})
	s := scheduler.New(store, l, scheduler.Options{Clock: c.Now})
	ran := make(chan bot.JobRun, 4)
	if err := s.Add(bot.Job{Name: "daily-summary", Summary: "post the health summary", Schedule: "0 8 * * *", Zone: "Europe/Berlin",
		Run: func(_ context.Context, r bot.JobRun) error { ran <- r; return nil }}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := jobs.New(jobs.Deps{Scheduler: s})
	if err != nil {
		t.Fatal(err)
	}
	r := testkit.Router(t, map[string]string{"UADMIN": "admin"}, svc)
	do := func(user, text string) (*bot.Reply, error) {
		return r.Dispatch(ctx, &bot.Request{UserID: user, Channel: "C1", Text: text, Trigger: bot.TriggerSlash})
	}
	rep, err := do("UVIEW", "jobs list")
	if err != nil || !strings.Contains(rep.Text, "*daily-summary* `0 8 * * *` (Europe/Berlin)") || !strings.Contains(rep.Text, "never ran") {
		t.Fatalf("jobs list = %+v, %v", rep, err)
	}
	if _, err := do("UVIEW", "jobs run daily-summary"); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("a viewer ran a job: %v", err)
	}
	if _, err := do("UADMIN", "jobs run daily-summary"); err != nil {
		t.Fatal(err)
	}
	if got := <-ran; got.By != "UADMIN" {
		t.Errorf("run by hand = %+v", got)
	}
	s.Wait()
	rep, err = do("UVIEW", "jobs history daily-summary")
	if err != nil || !strings.Contains(rep.Text, "ok, run by <@UADMIN>") {
		t.Errorf("jobs history = %+v, %v", rep, err)
	}
	if _, err := do("UADMIN", "jobs pause daily-summary"); err != nil {
		t.Fatal(err)
	}
	rep, _ = do("UVIEW", "jobs list")
	if !strings.Contains(rep.Text, "*paused*") || !strings.Contains(rep.Text, "last ") {
		t.Errorf("jobs list after pause = %s", rep.Text)
	}
	c.Add(2 * time.Hour) // 08:00 Berlin (07:00 UTC) has passed: due, but paused
	if n, err := l.Tick(ctx); err != nil || n != 1 {
		t.Fatalf("tick ran %d steps, %v; want the 08:00 occurrence claimed", n, err)
	}
	s.Wait()
	select {
	case got := <-ran:
		t.Errorf("a paused job ran: %+v", got)
	default:
	}
	if _, err := do("UADMIN", "jobs resume daily-summary"); err != nil {
		t.Fatal(err)
	}
	_, err = do("UVIEW", "jobs history daily-sumary")
	if bot.ErrorCode(err) != bot.CodeNotFound || !strings.Contains(bot.UserMessage(err), "did you mean daily-summary?") {
		t.Errorf("unknown job: %v", err)
	}
}
