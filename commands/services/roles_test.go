package services_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/rbac"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/services"
	"opsbot/integrations/sshexec"
	"opsbot/internal/testkit"
)

type noRuns struct{}

func (noRuns) RunMany(context.Context, []sshexec.Target, sshexec.Command, sshexec.FanoutOptions) sshexec.FanoutResult {
	panic("a refused command reached SSH")
}

type nopAuditor struct{}

func (nopAuditor) Record(context.Context, audit.Entry) error { return nil }

type noChanges struct{}

func (noChanges) Request(context.Context, change.Request, string, bot.Role, string) (*change.Change, error) {
	panic("a refused command filed a change")
}

// TestCommandsNeedTheirActionsRole: given a catalogue whose logs need a
// responder and whose restart needs an operator, help shows those roles
// and a viewer is refused by RBAC with who holds them.
func TestCommandsNeedTheirActionsRole(t *testing.T) {
	cat, err := actions.New(actions.Config{
		Groups: map[string]actions.GroupConfig{"web": {Services: []string{"nginx"}}},
		Hosts:  []actions.HostConfig{{Name: "web-1", Address: "192.0.2.1", Groups: []string{"web"}, Env: "prod"}},
		Actions: map[string]actions.ActionConfig{
			"status":  {Argv: []string{"systemctl", "status", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "low", Role: "viewer"},
			"logs":    {Argv: []string{"journalctl", "-u", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "low", Role: "responder"},
			"restart": {Argv: []string{"systemctl", "restart", "{unit}"}, Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Risk: "high", Role: "operator"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := services.New(services.Config{}, services.Deps{Chat: testkit.NewChat(), Runner: noRuns{}, Resolver: cat, Actions: cat, Changes: noChanges{}, Audit: nopAuditor{}})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := rbac.New(rbac.Config{Users: map[string]string{"U2BOB": "operator", "U3CAROL": "responder"}, Groups: map[string]string{"sre": "operator"}}, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter("")
	r.Use(pol.Middleware())
	if err := r.Register(append(svc.Commands(), r.HelpCommand())...); err != nil {
		t.Fatal(err)
	}
	do := func(text string) (string, error) {
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U9VIEWER", Channel: "COPS", Text: text})
		if err != nil {
			return bot.UserMessage(err), err
		}
		return rep.Text, nil
	}

	help, _ := do("help service")
	for _, want := range []string{"`service status <service> on <host|group|labels>` Show a service's status on hosts _(viewer)_",
		"`service logs <service> on <host> [lines]` Show a service's recent log lines on one host _(responder)_",
		"_(operator)_"} {
		if !strings.Contains(help, want) {
			t.Errorf("help service lacks %q:\n%s", want, help)
		}
	}
	if strings.Count(help, "_(viewer)_") != 1 {
		t.Errorf("help service shows more than status as viewer:\n%s", help)
	}
	if got, _ := do("help service restart"); !strings.Contains(got, "Needs role: operator") {
		t.Errorf("help service restart:\n%s", got)
	}
	for text, want := range map[string]string{
		"service logs nginx on web-1":    "`service logs` needs the responder role and you are a viewer; ask <@U2BOB>, <@U3CAROL>, @sre.",
		"service restart nginx on web-1": "`service restart` needs the operator role and you are a viewer; ask <@U2BOB>, @sre.",
	} {
		got, err := do(text)
		if bot.ErrorCode(err) != bot.CodeForbidden || got != want {
			t.Errorf("%s as a viewer = %q (%v)\nwant %q", text, got, err, want)
		}
	}
}
