package testkit

import (
	"context"
	"maps"
	"slices"
	"testing"

	"opsbot/bot"
	"opsbot/bot/rbac"
)

// Router returns a router wired like the app's: RBAC middleware giving
// each user in roles (user ID → role name) that role and everyone else
// viewer, and whatever each domain offers through the domain contract
// (bot/domain.go): help groups, commands, actions and views. A collision
// or a bad role fails tb.
func Router(tb testing.TB, roles map[string]string, domains ...any) *bot.Router {
	tb.Helper()
	policy, err := rbac.New(rbac.Config{DefaultRole: "viewer", Users: roles}, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	r := bot.NewRouter("")
	r.Use(policy.Middleware())
	for _, d := range domains {
		if x, ok := d.(bot.Describer); ok {
			for g, summary := range x.Groups() {
				r.Describe(g, summary)
			}
		}
		if x, ok := d.(bot.CommandSet); ok {
			if err := r.Register(x.Commands()...); err != nil {
				tb.Fatal(err)
			}
		}
		if x, ok := d.(bot.ActionSet); ok {
			if err := r.RegisterAction(x.Actions()...); err != nil {
				tb.Fatal(err)
			}
		}
		if x, ok := d.(bot.ViewSet); ok {
			if err := r.RegisterView(x.Views()...); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return r
}

// Steps registers each domain's step kinds (bot.StepSet) with handle,
// the step loop's Handle method (loop.Handler is such a func type); a
// kind offered twice fails tb.
func Steps[H ~func(ctx context.Context, id, payload string) error](tb testing.TB, handle func(kind string, h H) error, domains ...any) {
	tb.Helper()
	for _, d := range domains {
		x, ok := d.(bot.StepSet)
		if !ok {
			continue
		}
		steps := x.Steps()
		for _, kind := range slices.Sorted(maps.Keys(steps)) {
			if err := handle(kind, H(steps[kind])); err != nil {
				tb.Fatal(err)
			}
		}
	}
}
