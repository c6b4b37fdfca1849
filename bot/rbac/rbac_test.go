package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"opsbot/bot"
	"opsbot/bot/rbac"
)

type groups map[string][]string

func (g groups) GroupsOf(_ context.Context, user string) ([]string, error) {
	if user == "UERR" {
		return nil, errors.New("slack down")
	}
	return g[user], nil
}

func policy(t *testing.T) *rbac.Policy {
	t.Helper()
	p, err := rbac.New(rbac.Config{
		DefaultRole: "viewer",
		Users:       map[string]string{"UADMIN": "admin", "UOPS": "operator", "UERR": "responder"},
		Groups:      map[string]string{"sre": "approver", "oncall": "responder"},
	}, groups{"UGROUP": {"oncall", "sre"}, "UOPS": {"oncall"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoleOf(t *testing.T) {
	p := policy(t)
	tests := map[string]bot.Role{
		"UADMIN":    bot.RoleAdmin,
		"UOPS":      bot.RoleOperator, // user role beats the lower group role
		"UGROUP":    bot.RoleApprover, // highest of its groups
		"USTRANGER": bot.RoleViewer,
		"UERR":      bot.RoleResponder, // group lookup failed: direct role still counts
	}
	for u, want := range tests {
		if got := p.RoleOf(context.Background(), u); got != want {
			t.Errorf("RoleOf(%s) = %s, want %s", u, got, want)
		}
	}
}

// TestMiddlewareMatrix checks every command role against every user role.
func TestMiddlewareMatrix(t *testing.T) {
	p := policy(t)
	users := map[bot.Role]string{bot.RoleViewer: "USTRANGER", bot.RoleResponder: "UERR", bot.RoleOperator: "UOPS", bot.RoleApprover: "UGROUP", bot.RoleAdmin: "UADMIN"}
	for _, need := range bot.Roles() {
		for _, have := range bot.Roles() {
			called := false
			h := p.Middleware()(func(context.Context, *bot.Request) (*bot.Reply, error) { called = true; return nil, nil })
			req := &bot.Request{UserID: users[have], Command: &bot.Command{Verb: "x", Role: need}}
			_, err := h(context.Background(), req)
			allowed := have >= need
			if called != allowed || (err == nil) != allowed {
				t.Errorf("need %s, have %s: called=%v err=%v", need, have, called, err)
			}
			if !allowed && bot.ErrorCode(err) != bot.CodeForbidden {
				t.Errorf("denial code = %s", bot.ErrorCode(err))
			}
			if req.Role != have {
				t.Errorf("req.Role = %s, want %s", req.Role, have)
			}
		}
	}
}

func TestDenialSaysWhoCan(t *testing.T) {
	p := policy(t)
	h := p.Middleware()(func(context.Context, *bot.Request) (*bot.Reply, error) { return nil, nil })
	_, err := h(context.Background(), &bot.Request{UserID: "UOPS", Command: &bot.Command{Verb: "change approve", Role: bot.RoleApprover}})
	want := "`change approve` needs the approver role and you are an operator; ask <@UADMIN>, @sre."
	if bot.UserMessage(err) != want {
		t.Errorf("denial = %q\nwant     %q", bot.UserMessage(err), want)
	}
}

func TestConfigValidate(t *testing.T) {
	errs := rbac.Config{DefaultRole: "god", Users: map[string]string{"alice": "admin", "U1": "root"}, Groups: map[string]string{"@sre": "viewer"}}.Validate()
	joined := fmt.Sprint(errors.Join(errs...)) // one a line
	for _, w := range []string{"default_role: unknown role \"god\"", "users.U1: unknown role \"root\"", "users.alice: not a Slack user id", "groups.@sre: write the handle without @"} {
		if !strings.Contains(joined, w) {
			t.Errorf("Validate() =\n%s\nwant %q", joined, w)
		}
	}
	if _, err := rbac.New(rbac.Config{DefaultRole: "god"}, nil, nil); err == nil {
		t.Error("New accepted a bad config")
	}
}
