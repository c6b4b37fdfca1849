package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"opsbot/bot"
)

func ok(text string) bot.Handler {
	return func(_ context.Context, req *bot.Request) (*bot.Reply, error) {
		return bot.Text(text + ":" + req.Args.Rest(0)), nil
	}
}

func newRouter(t *testing.T) *bot.Router {
	t.Helper()
	r := bot.NewRouter("/ops")
	err := r.Register(
		r.HelpCommand(),
		bot.Command{Verb: "ping", Summary: "Check", Role: bot.RoleViewer, Handler: ok("ping")},
		bot.Command{Verb: "incident open", Aliases: []string{"inc open"}, Args: "<sev> <title>", Summary: "Open an incident",
			Examples: []string{"incident open sev2 db slow"}, Role: bot.RoleResponder, Handler: ok("open")},
		bot.Command{Verb: "incident ack", Args: "<INC>", Summary: "Acknowledge", Role: bot.RoleResponder, Handler: ok("ack")},
	)
	if err != nil {
		t.Fatal(err)
	}
	r.Describe("incident", "the incident desk")
	return r
}

func dispatch(t *testing.T, r *bot.Router, text string) (string, error) {
	t.Helper()
	rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", Text: text})
	if err != nil {
		return "", err
	}
	return rep.Text, nil
}

func TestDispatchLongestVerb(t *testing.T) {
	r := newRouter(t)
	tests := map[string]string{
		"ping":                       "ping:",
		"  PING  ":                   "ping:",
		"incident open sev1 db down": "open:sev1 db down",
		"inc open sev2 x":            "open:sev2 x",
		"incident ack INC-4":         "ack:INC-4",
	}
	for in, want := range tests {
		got, err := dispatch(t, r, in)
		if err != nil || got != want {
			t.Errorf("dispatch(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestRegisterRefusesDuplicates(t *testing.T) {
	r := newRouter(t)
	for _, c := range []bot.Command{
		{Verb: "ping", Role: bot.RoleViewer, Handler: ok("x")},
		{Verb: "Incident  Open", Role: bot.RoleViewer, Handler: ok("x")},
		{Verb: "pong", Aliases: []string{"inc open"}, Role: bot.RoleViewer, Handler: ok("x")},
	} {
		err := r.Register(c)
		if err == nil || !strings.Contains(err.Error(), "command collision") {
			t.Errorf("Register(%q) = %v, want a collision", c.Verb, err)
		}
	}
	if err := r.Register(bot.Command{Verb: "x", Handler: ok("x")}); err == nil {
		t.Error("a command without a role was registered")
	}
	if _, ok := r.Lookup("pong"); ok {
		t.Error("a refused command was half-registered")
	}
}

func TestUnknownVerbSuggests(t *testing.T) {
	r := newRouter(t)
	tests := []struct{ in, want string }{
		{"pnig", "Did you mean `ping`?"},
		{"incident opne sev1 x", "`incident` has no command \"opne\". Did you mean `incident open`?"},
		{"deploy everything", "I don't know the command \"deploy everything\". Type `help`"},
	}
	for _, tt := range tests {
		_, err := dispatch(t, r, tt.in)
		if bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(bot.UserMessage(err), tt.want) {
			t.Errorf("dispatch(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestUnknownVerbPassesMiddleware(t *testing.T) {
	r := newRouter(t)
	var seen []string
	r.Use(func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			seen = append(seen, req.Command.Verb)
			return next(ctx, req)
		}
	})
	_, _ = dispatch(t, r, "nonsense")
	_, _ = dispatch(t, r, `incident open "unterminated`)
	if strings.Join(seen, ",") != "unknown,incident open" {
		t.Errorf("middleware saw %v", seen)
	}
}

func TestHelpIsBuiltFromTheRegistry(t *testing.T) {
	r := newRouter(t)
	tests := []struct {
		topic string
		want  []string
	}{
		{"", []string{"`ping` Check", "`incident` the incident desk: ack, open", "after `/ops`"}},
		{"incident", []string{"*incident*: the incident desk", "`incident open <sev> <title>` Open an incident _(responder)_"}},
		{"incident open", []string{"Usage: `incident open <sev> <title>`", "Needs role: responder", "Aliases: inc open", "• `incident open sev2 db slow`"}},
		{"inc open", []string{"Usage: `incident open <sev> <title>`"}},
		{"pingg", []string{"There is no command \"pingg\". Did you mean `ping`?"}},
	}
	for _, tt := range tests {
		got, err := dispatch(t, r, "help "+tt.topic)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("help %q =\n%s\nwant it to contain %q", tt.topic, got, w)
			}
		}
	}
	if got, _ := dispatch(t, r, ""); !strings.Contains(got, "*opsbot commands*") {
		t.Errorf("empty text = %q, want help", got)
	}
}

func TestActionsAndViewsRoute(t *testing.T) {
	r := newRouter(t)
	if err := r.RegisterAction(
		bot.Route{ID: "incident.ack", Role: bot.RoleResponder, Handler: ok("ack-click")},
		bot.Route{ID: "alert.", Role: bot.RoleResponder, Handler: ok("alert-any")},
	); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterAction(bot.Route{ID: "incident.ack", Role: bot.RoleViewer, Handler: ok("x")}); err == nil {
		t.Error("duplicate action registered")
	}
	if err := r.RegisterView(bot.Route{ID: "incident.new", Role: bot.RoleResponder, Handler: ok("view")}); err != nil {
		t.Fatal(err)
	}
	click := func(id string) (*bot.Reply, error) {
		return r.Dispatch(context.Background(), &bot.Request{Action: &bot.Action{ID: id}})
	}
	if rep, err := click("incident.ack"); err != nil || rep.Text != "ack-click:" {
		t.Errorf("incident.ack = %v, %v", rep, err)
	}
	if rep, err := click("alert.silence.1h"); err != nil || rep.Text != "alert-any:" {
		t.Errorf("alert prefix = %v, %v", rep, err)
	}
	if _, err := click("gone.button"); bot.ErrorCode(err) != bot.CodeNotFound {
		t.Errorf("unknown action error = %v", err)
	}
	rep, err := r.Dispatch(context.Background(), &bot.Request{View: &bot.ViewSubmission{CallbackID: "incident.new"}})
	if err != nil || rep.Text != "view:" {
		t.Errorf("view = %v, %v", rep, err)
	}
}

func TestTooLongInput(t *testing.T) {
	r := newRouter(t)
	_, err := dispatch(t, r, "ping "+strings.Repeat("x", 10000))
	if bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(bot.UserMessage(err), "characters long") {
		t.Errorf("long input error = %v", err)
	}
}

func TestUserMessageHidesInternalErrors(t *testing.T) {
	if got := bot.UserMessage(errors.New("dial tcp 10.0.0.1: secret=hunter2")); strings.Contains(got, "hunter2") {
		t.Errorf("internal error leaked: %q", got)
	}
	e := bot.Unavailable("the state store", errors.New("connection refused"))
	if got := bot.UserMessage(e); got != "the state store is unavailable, try again in a moment" {
		t.Errorf("Unavailable message = %q", got)
	}
	if bot.Outcome(nil) != "ok" || bot.Outcome(e) != "unavailable" {
		t.Error("Outcome wrong")
	}
}

// A click on a retired button and a submission of an unknown form are
// counted, rate limited and audited like everything else, and answered.
func TestUnknownActionAndViewPassMiddleware(t *testing.T) {
	r := newRouter(t)
	var seen []string
	r.Use(func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			seen = append(seen, req.Command.Verb)
			return next(ctx, req)
		}
	})
	_, clickErr := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", Action: &bot.Action{ID: "gone.button"}})
	_, viewErr := r.Dispatch(context.Background(), &bot.Request{UserID: "U1", View: &bot.ViewSubmission{CallbackID: "gone.form"}})
	if strings.Join(seen, ",") != "unknown action,unknown view" {
		t.Errorf("middleware saw %q, want the unknown action and the unknown view", seen)
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{clickErr, "this button (gone.button) is no longer handled"},
		{viewErr, "this form (gone.form) is unknown"},
	} {
		if bot.ErrorCode(tt.err) != bot.CodeNotFound || !strings.Contains(bot.UserMessage(tt.err), tt.want) {
			t.Errorf("error = %v, want %s saying %q", tt.err, bot.CodeNotFound, tt.want)
		}
	}
}
