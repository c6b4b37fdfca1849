package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"opsbot/bot"
	"opsbot/bot/httpserver"
)

// mount adds what domain d offers, whichever parts of the domain contract
// (bot/domain.go) it implements: help groups, verbs, buttons, forms, loop
// steps, App Home sections, summary sections, HTTP handlers, scheduled jobs (as the jobs
// section of the config adjusts them), and work to start, run in the
// background and wait for at a stop. Collisions (a verb, action, step
// kind or path offered twice) fail the start.
func (a *App) mount(name string, d any) error {
	if x, ok := d.(bot.Describer); ok {
		for g, summary := range x.Groups() {
			a.Router.Describe(g, summary)
		}
	}
	if x, ok := d.(bot.CommandSet); ok {
		if err := a.Router.Register(x.Commands()...); err != nil {
			return err
		}
	}
	if x, ok := d.(bot.ActionSet); ok {
		if err := a.Router.RegisterAction(x.Actions()...); err != nil {
			return err
		}
	}
	if x, ok := d.(bot.ViewSet); ok {
		if err := a.Router.RegisterView(x.Views()...); err != nil {
			return err
		}
	}
	if x, ok := d.(bot.StepSet); ok {
		steps := x.Steps()
		for _, kind := range slices.Sorted(maps.Keys(steps)) {
			if err := a.Loop.Handle(kind, steps[kind]); err != nil {
				return err
			}
		}
	}
	if x, ok := d.(bot.HomeProvider); ok {
		a.Home = append(a.Home, x.HomeSections()...)
	}
	if x, ok := d.(bot.SummaryProvider); ok {
		a.summaries = append(a.summaries, named[bot.SummaryProvider]{name, x})
	}
	if x, ok := d.(bot.HTTPProvider); ok {
		for path, h := range x.Handlers() {
			if _, taken := a.Handlers[path]; taken {
				return fmt.Errorf("HTTP path %s is offered twice", path)
			}
			a.Handlers[path] = h
		}
	}
	if x, ok := d.(bot.JobSet); ok {
		for _, j := range x.Jobs() {
			j, on := a.Config.Jobs.Apply(j)
			if !on {
				a.Log.Info("job turned off in the config", "job", j.Name)
				continue
			}
			if err := a.Scheduler.Add(j); err != nil {
				return err
			}
		}
	}
	if x, ok := d.(bot.Starter); ok {
		a.starters = append(a.starters, x)
	}
	if x, ok := d.(bot.Runner); ok {
		a.runners = append(a.runners, named[bot.Runner]{name, x})
	}
	if x, ok := d.(bot.Waiter); ok {
		a.waiters = append(a.waiters, named[bot.Waiter]{name, x})
	}
	if x, ok := d.(bot.ReadyDetailer); ok {
		a.details = append(a.details, named[bot.ReadyDetailer]{name, x})
	}
	return nil
}

// httpCheck is a readiness check beside Redis's.
type httpCheck struct {
	name  string
	check func(context.Context) error
}

// serveHTTP starts /healthz, /readyz (Redis, and checks), /metrics and
// the domains' handlers (webhooks) on cfg.Listen, stopped when m closes.
func (m *Main) serveHTTP(a *App, cfg httpserver.Config, checks ...httpCheck) (string, error) {
	srv := httpserver.New(cfg, a.Registry, a.Log)
	srv.AddCheck("redis", pingStore(a.Store))
	for _, c := range checks {
		srv.AddCheck(c.name, c.check)
	}
	for _, path := range slices.Sorted(maps.Keys(a.Handlers)) {
		srv.Handle(path, a.Handlers[path])
	}
	for _, d := range a.details {
		srv.AddDetail(d.name, d.part.ReadyDetail)
	}
	addr, err := srv.Start()
	if err != nil {
		return "", err
	}
	m.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	})
	return addr, nil
}
