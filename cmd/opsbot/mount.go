package main

import (
	"fmt"
	"maps"
	"slices"

	"opsbot/bot"
	"opsbot/bot/httpserver"
)

// mount adds what domain d offers, whichever parts of the domain contract
// (bot/domain.go) it implements: help groups, verbs, buttons, forms, loop
// steps, App Home sections, HTTP handlers, and work to start, run in the
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
	if x, ok := d.(bot.HTTPProvider); ok {
		for path, h := range x.Handlers() {
			if _, taken := a.Handlers[path]; taken {
				return fmt.Errorf("HTTP path %s is offered twice", path)
			}
			a.Handlers[path] = h
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

// serveHandlers adds the domains' HTTP handlers (webhooks) and their
// /readyz detail lines to srv.
func (a *App) serveHandlers(srv *httpserver.Server) {
	for _, path := range slices.Sorted(maps.Keys(a.Handlers)) {
		srv.Handle(path, a.Handlers[path])
	}
	for _, d := range a.details {
		srv.AddDetail(d.name, d.part.ReadyDetail)
	}
}
