package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/service"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/sshexec"
)

// addChangeDesk wires the action catalogue, the SSH executor, change
// requests and service commands.
func (a *App) addChangeDesk(cfg *Config, surf Surface) error {
	cat, err := actions.New(cfg.Actions)
	if err != nil {
		return fmt.Errorf("actions: %w", err)
	}
	var runner actions.Runner = noSSH{}
	if len(cfg.Actions.Hosts) > 0 {
		ex, err := sshexec.New(cfg.SSH, sshexec.WithLogger(a.Log))
		if err != nil {
			return fmt.Errorf("ssh: %w", err)
		}
		a.closers = append(a.closers, ex.Close)
		runner = ex
	}
	changes, err := change.New(change.Deps{Store: a.Store, Chat: surf.Chat, Runner: runner, Resolver: cat, Actions: cat,
		Audit: a.Audit, Silencer: surf.Silencer, Steps: a.Loop, Clock: time.Now, Log: a.Log, Metrics: a.Registry, Panics: a.Panics}, cfg.Changes)
	if err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	// One run timeout bounds every run over SSH, direct or approved.
	svc, err := service.New(service.Deps{Chat: surf.Chat, Runner: runner, Resolver: cat, Actions: cat, Changes: changes,
		Audit: a.Audit, Log: a.Log, Panics: a.Panics, RunTimeout: changes.RunTimeout()}, cfg.Service)
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	a.Router.Describe("change", "change requests: approval, then execution over SSH")
	a.Router.Describe("service", "status, logs and restarts of services on hosts")
	if err := a.Router.Register(append(changes.Commands(), svc.Commands()...)...); err != nil {
		return err
	}
	if err := a.Router.RegisterAction(changes.Actions()...); err != nil {
		return err
	}
	if err := a.Router.RegisterView(changes.Views()...); err != nil {
		return err
	}
	for kind, h := range changes.Steps() { // runs at a change's window
		if err := a.Loop.Handle(kind, h); err != nil {
			return err
		}
	}
	a.Changes, a.Service, a.Catalogue = changes, svc, cat
	a.Home = append(a.Home, HomeSection{"Changes awaiting my approval", changes.HomeSection})
	return nil
}

// changeSweeper is what the sweep needs of the change desk;
// *change.Service is one.
type changeSweeper interface {
	SweepExpired(ctx context.Context) (int, error)
	SweepInterrupted(ctx context.Context) (int, error)
	SweepStalled(ctx context.Context) (int, error)
	Wait()
}

// sweepChanges runs the change sweep every minute until ctx ends, then
// waits for the change runs in flight.
func (a *App) sweepChanges(ctx context.Context) {
	sweepChanges(ctx, a.Store, a.Changes, time.Minute, a.Log)
}

// sweepChanges marks expired requests, and runs a stop of opsbot left
// "running", and starts (or expires) approved changes whose run never
// started, at once and then every interval; a Redis lock makes one
// replica do each sweep. When ctx ends it waits for desk's runs in flight.
func sweepChanges(ctx context.Context, store *redisstore.Store, desk changeSweeper, every time.Duration, log *slog.Logger) {
	defer desk.Wait()
	sweep := func() {
		lock, err := store.Lock(ctx, "sweep-changes", every-every/6)
		if errors.Is(err, redisstore.ErrLocked) {
			return
		}
		if err != nil {
			log.Warn("sweep changes", "err", err)
			return
		}
		defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
		if n, err := desk.SweepExpired(ctx); err != nil {
			log.Warn("sweep expired changes", "err", err)
		} else if n > 0 {
			log.Info("expired change requests marked", "count", n)
		}
		if n, err := desk.SweepInterrupted(ctx); err != nil {
			log.Warn("sweep interrupted changes", "err", err)
		} else if n > 0 {
			log.Warn("changes interrupted by a stop of opsbot marked failed", "count", n)
		}
		if n, err := desk.SweepStalled(ctx); err != nil {
			log.Warn("sweep approved changes whose run never started", "err", err)
		} else if n > 0 {
			log.Warn("approved changes whose run never started resumed or expired", "count", n)
		}
	}
	sweep()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sweep()
		}
	}
}

// noSSH stands in for the executor when no hosts are configured, so the
// commands answer with what to set up instead of failing obscurely.
type noSSH struct{}

func (noSSH) RunMany(_ context.Context, targets []sshexec.Target, _ sshexec.Command, _ sshexec.FanoutOptions) sshexec.FanoutResult {
	res := sshexec.FanoutResult{Failed: len(targets)}
	for _, t := range targets {
		res.Results = append(res.Results, sshexec.Result{Target: t,
			Err: errors.New("SSH is not set up: configure ssh (known_hosts, key_file) and actions.hosts")})
	}
	return res
}

// sshErrors splits sshexec's joined validation error into "<key>: <problem>"
// errors relative to the ssh section.
func sshErrors(err error) []error {
	if err == nil {
		return nil
	}
	var parts []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts = j.Unwrap()
	} else {
		parts = []error{err}
	}
	out := make([]error, 0, len(parts))
	for _, p := range parts {
		out = append(out, errors.New(strings.TrimPrefix(p.Error(), "ssh.")))
	}
	return out
}

// inventory answers the monitor's host questions from the action
// catalogue's hosts: group members for `status <group>`, and the owner
// from a host's "owner" label.
type inventory struct{ cat *actions.Catalogue }

func (i inventory) Members(group string) ([]string, bool) {
	var out []string
	for _, h := range i.cat.Hosts() {
		for _, g := range h.Groups {
			if g == group {
				out = append(out, h.Name)
			}
		}
	}
	return out, len(out) > 0
}

func (i inventory) Owner(host string) (string, bool) {
	for _, h := range i.cat.Hosts() {
		if h.Name == host || h.Address == host {
			o, ok := h.Labels["owner"]
			return o, ok && o != ""
		}
	}
	return "", false
}
