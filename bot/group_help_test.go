package bot_test

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
)

// TestGroupAloneShowsItsHelp: a verb group's name alone (or followed by
// help) answers with the group's help, through the middleware like any
// command; a group with a wrong subcommand still says so.
func TestGroupAloneShowsItsHelp(t *testing.T) {
	r := bot.NewRouter("/ops")
	for _, v := range []string{"incident open", "incident ack", "oncall who", "change request", "service status"} {
		if err := r.Register(bot.Command{Verb: v, Summary: "does " + v, Role: bot.RoleResponder, Handler: ok(v)}); err != nil {
			t.Fatal(err)
		}
	}
	r.Describe("incident", "open, run and close incidents")
	var passed []string
	r.Use(func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			passed = append(passed, req.Command.Verb)
			return next(ctx, req)
		}
	})
	for _, text := range []string{"incident", "Incident", "  oncall  ", "change", "service help", "incident HELP"} {
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", Text: text})
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		group := strings.ToLower(strings.Fields(text)[0])
		if want := r.Help(group); rep.Text != want {
			t.Errorf("%q answers %q, want the group's help %q", text, rep.Text, want)
		}
	}
	if got := strings.Join(passed, ","); got != "incident,incident,oncall,change,service,incident" {
		t.Errorf("the middleware saw %q", got)
	}
	if rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", Text: "incident"}); err == nil && !strings.Contains(rep.Text, "open, run and close incidents") {
		t.Errorf("incident alone = %q", rep.Text)
	}
	for _, text := range []string{"incident opne", "incident help me", "incidents"} {
		if _, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", Text: text}); bot.ErrorCode(err) != bot.CodeInvalid {
			t.Errorf("%q = %v, want it refused", text, err)
		}
	}
}
