package audit_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/ratelimit"
	"opsbot/integrations/redisstore/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMiddlewareRecordsEveryOutcome(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log := audit.New(rdb, "t:audit", 1000, slog.New(slog.DiscardHandler))
	r := bot.NewRouter("")
	r.Use(log.Middleware())
	if err := r.Register(
		log.Command(),
		bot.Command{Verb: "ok", Role: bot.RoleViewer, Handler: func(context.Context, *bot.Request) (*bot.Reply, error) { return bot.Text("fine"), nil }},
		bot.Command{Verb: "boom", Role: bot.RoleViewer, Handler: func(context.Context, *bot.Request) (*bot.Reply, error) {
			return nil, errors.New("kaput")
		}},
	); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, text := range []string{"ok a b", "boom", "nope", "audit 999"} {
		_, _ = r.Dispatch(ctx, &bot.Request{UserID: "U1", Channel: "C1", Text: text, Trigger: bot.TriggerSlash})
	}
	entries, err := log.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+"|"+e.Detail+"|"+e.Outcome+"|"+e.User+"|"+e.Channel+"|"+e.Trigger)
	}
	want := []string{
		"audit|audit 999|invalid|U1|C1|slash",
		"unknown|nope|invalid|U1|C1|slash",
		"boom|boom|error|U1|C1|slash",
		"ok|ok a b|ok|U1|C1|slash",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trail =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "U1", Text: "audit 2"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Text, "*Audit trail* (newest 2)") || !strings.Contains(rep.Text, "«audit 999»") {
		t.Errorf("audit command =\n%s", rep.Text)
	}
}

func TestRecordWhenRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	var buf strings.Builder
	log := audit.New(rdb, "t:audit", 1000, slog.New(slog.NewTextHandler(&buf, nil)))
	srv.Kill()
	err := log.Record(context.Background(), audit.Entry{User: "U1", Action: "change approve", Detail: "CHG-7", Outcome: "ok"})
	if err == nil {
		t.Fatal("Record with Redis down returned nil")
	}
	if !strings.Contains(buf.String(), "CHG-7") {
		t.Errorf("the entry was lost: log = %q", buf.String())
	}
}

func TestRateLimit(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	l := ratelimit.New(rdb, "t:rl", 3, 60e9, slog.New(slog.DiscardHandler))
	h := l.Middleware()(func(context.Context, *bot.Request) (*bot.Reply, error) { return bot.Text("ok"), nil })
	var denied int
	for i := 0; i < 5; i++ {
		_, err := h(context.Background(), &bot.Request{UserID: "U1"})
		if err != nil {
			denied++
			if bot.ErrorCode(err) != bot.CodeRateLimited || !strings.Contains(bot.UserMessage(err), "Please wait") {
				t.Errorf("denial = %v", err)
			}
		}
	}
	if denied != 2 {
		t.Errorf("%d of 5 denied, want 2", denied)
	}
	if _, err := h(context.Background(), &bot.Request{UserID: "U2"}); err != nil {
		t.Errorf("another user was limited: %v", err)
	}
	srv.Kill()
	if _, err := h(context.Background(), &bot.Request{UserID: "U3"}); err != nil {
		t.Errorf("with Redis down the limit should let requests through, got %v", err)
	}
}

// Given commands whose text holds a live mention, a foreign link and
// entities, when an admin replays the trail, then none of them is live
// markup in the reply: only opsbot's own mention and date tokens are.
func TestReplayIsEscaped(t *testing.T) {
	srv := redistest.Start(t)
	log := audit.New(srv.Client(t), "t:audit", 1000, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	for _, e := range []audit.Entry{
		{User: "U1", Action: "incident open", Channel: "C1", Detail: "incident open sev1 <!channel> see <https://evil.example|docs> R&amp;D", Outcome: "ok"},
		{User: "U2<!here>", Action: "x<!everyone>", Channel: "C1>", Detail: "&lt;!channel&gt;", Outcome: "ok<@U9>"},
	} {
		if err := log.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	r := bot.NewRouter("")
	if err := r.Register(log.Command()); err != nil {
		t.Fatal(err)
	}
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "U1", Text: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	for _, live := range []string{"<!channel>", "<!here>", "<!everyone>", "<https://evil", "<@U9>", "R&amp;amp;D"} {
		if strings.Contains(rep.Text, live) {
			t.Errorf("replay has live %q:\n%s", live, rep.Text)
		}
	}
	for _, want := range []string{"&lt;!channel&gt;", "R&amp;D", "<@U1>", "<!date^"} {
		if !strings.Contains(rep.Text, want) {
			t.Errorf("replay lacks %q:\n%s", want, rep.Text)
		}
	}
}

// A click on a button opsbot no longer handles is audited with the
// button's id, since its verb ("unknown action") does not say which.
func TestUnknownClickIsAuditedWithItsID(t *testing.T) {
	srv := redistest.Start(t)
	log := audit.New(srv.Client(t), "t:audit", 1000, slog.New(slog.DiscardHandler))
	r := bot.NewRouter("")
	r.Use(log.Middleware())
	ctx := context.Background()
	_, _ = r.Dispatch(ctx, &bot.Request{UserID: "U1", Channel: "C1", Trigger: bot.TriggerAction, Action: &bot.Action{ID: "legacy.approve", Value: "CHG-1"}})
	entries, err := log.Recent(ctx, 1)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries = %v, %v", entries, err)
	}
	if e := entries[0]; e.Action != "unknown action" || e.Detail != "legacy.approve CHG-1" {
		t.Errorf("entry = %+v, want action 'unknown action' with detail 'legacy.approve CHG-1'", e)
	}
}
