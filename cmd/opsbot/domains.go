package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"opsbot/commands/actions"
	"opsbot/commands/asset"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/commands/jobs"
	"opsbot/commands/monitor"
	"opsbot/commands/oncall"
	"opsbot/commands/runbook"
	"opsbot/commands/services"
	"opsbot/commands/summary"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/sshexec"
)

// domain is one entry of the mount list: build returns the domain's
// value (which implements the parts of the domain contract it offers, see
// bot/domain.go), or nil when its config section leaves it off.
type domain struct {
	name  string
	build func(Surface) (any, error)
}

// mountList is every domain opsbot offers, in the order they are built.
// A domain may use those above it: incidents page through on-call; alerts
// name hosts' owners from the catalogue and open incidents; changes run on
// the catalogue's hosts and silence their alerts through the monitor;
// service restarts may need a change request; assets show what the
// others know about each asset; runbooks run on the catalogue's hosts,
// file change requests and open incidents; the summary shows a section of
// each domain above it.
func (a *App) mountList() []domain {
	return []domain{
		{"oncall", a.buildOncall},
		{"incident", a.buildIncidents},
		{"actions", a.buildCatalogue},
		{"monitor", a.buildMonitor},
		{"change", a.buildChanges},
		{"service", a.buildService},
		{"asset", a.buildAssets},
		{"runbook", a.buildRunbooks},
		{"summary", a.buildSummary}, // after every domain whose section it shows
		{"jobs", a.buildJobs},       // last: it lists every job the others offer
	}
}

// MountAll builds every domain of the mount list on surf and mounts what
// each offers.
func (a *App) MountAll(surf Surface) error {
	for _, d := range a.mountList() {
		v, err := d.build(surf)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		if v == nil {
			continue
		}
		if err := a.mount(d.name, v); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return nil
}

func (a *App) buildOncall(surf Surface) (any, error) {
	oc, err := oncall.New(a.Config.Oncall, oncall.Deps{Store: a.Store, Chat: surf.Chat, Steps: a.Loop, Groups: surf.UserGroups,
		Audit: a.Audit, Log: a.Log, Metrics: a.Registry})
	if err != nil {
		return nil, err
	}
	a.Oncall = oc
	return oc, nil
}

func (a *App) buildIncidents(surf Surface) (any, error) {
	inc, err := incident.New(a.Config.Incident, incident.Deps{Store: a.Store, Chat: surf.Chat, Steps: a.Loop, Pager: a.Oncall,
		Channels: surf.Channels, Log: a.Log, Metrics: a.Registry, Changes: incident.ChangeLookupFunc(func(ctx context.Context, id string) (bool, error) { return a.Changes.Exists(ctx, id) })}) // changes are built later
	if err != nil {
		return nil, err
	}
	a.Oncall.OnAcknowledge(inc.AcknowledgeFromPage) // acknowledging a page acknowledges its incident
	a.Incidents = inc
	return inc, nil
}

// buildCatalogue builds the action catalogue and the one executor that
// runs its actions, with one pool of connections: SSH when hosts are
// configured, else noSSH, which says what to set up. It offers no
// commands of its own.
func (a *App) buildCatalogue(Surface) (any, error) {
	cat, err := actions.New(a.Config.Actions)
	if err != nil {
		return nil, err
	}
	a.Catalogue, a.runner = cat, noSSH{}
	if err := a.buildInventory(cat); err != nil {
		return nil, err
	}
	// Every target is named through the inventory, actions.hosts among
	// its sources.
	cat.UseInventory(a.Inventory.Index())
	if a.Config.sshWanted() {
		ex, err := sshexec.New(a.Config.SSH, sshexec.WithLogger(a.Log))
		if err != nil {
			return nil, fmt.Errorf("ssh: %w", err)
		}
		a.closers = append(a.closers, ex.Close)
		a.runner = ex
	}
	return cat, nil
}

// buildMonitor builds alerts, silences, queries, graphs and host status;
// it is off when the monitor section is empty.
func (a *App) buildMonitor(surf Surface) (any, error) {
	cfg := a.Config.Monitor
	if !cfg.Enabled() {
		return nil, nil
	}
	am, err := cfg.AlertmanagerClient()
	if err != nil {
		return nil, err
	}
	prom, err := a.promClient()
	if err != nil {
		return nil, err
	}
	if prom == nil {
		_, err := promapi.New(cfg.Prometheus) // says what is missing
		return nil, err
	}
	// Alert cards name the owners the inventory knows; status expands its groups.
	d := monitor.Deps{Store: a.Store, Chat: surf.Chat, Alertmanager: am, Prometheus: prom, Incidents: a.Incidents,
		Audit: a.Audit, Metrics: a.Registry, Log: a.Log, Panics: a.Panics, HostGroups: a.Inventory, Hosts: a.Inventory}
	if b, ok := surf.Chat.(monitor.Backlogger); ok {
		d.Backlog = b // storms fold into digests instead of queueing
	}
	// On call for an alert's host: its asset's schedule, else
	// monitor.oncall_schedule.
	d.OnCall = monitor.OnCallFunc(func(ctx context.Context, host string) (string, error) {
		sched := cfg.OnCallSchedule
		if as, ok := a.Inventory.Snapshot().ByHost(host); ok && as.OnCall != "" && a.Config.Oncall.HasTarget(as.OnCall) {
			sched = as.OnCall
		}
		if sched == "" {
			return "", nil
		}
		oc, err := a.Oncall.WhoIsOnCall(ctx, sched, time.Now())
		return oc.Now.User, err
	})
	mon, err := monitor.New(cfg, d)
	if err != nil {
		return nil, err
	}
	a.Monitor = mon
	return mon, nil
}

func (a *App) buildChanges(surf Surface) (any, error) {
	d := change.Deps{Store: a.Store, Chat: surf.Chat, Runner: a.runner, Resolver: a.Catalogue, Actions: a.Catalogue,
		Audit: a.Audit, Steps: a.Loop, Clock: time.Now, Log: a.Log, Metrics: a.Registry, Panics: a.Panics}
	if a.Monitor != nil {
		d.Silencer = a.Monitor // a change's hosts are silenced while it runs
	}
	changes, err := change.New(a.Config.Changes, d)
	if err != nil {
		return nil, err
	}
	a.Changes = changes
	return changes, nil
}

func (a *App) buildService(surf Surface) (any, error) {
	svc, err := services.New(a.Config.Service, services.Deps{Chat: surf.Chat, Runner: a.runner, Resolver: a.Catalogue, Actions: a.Catalogue,
		Changes: a.Changes, Audit: a.Audit, Log: a.Log, Panics: a.Panics, RunTimeout: a.Changes.RunTimeout()})
	if err != nil {
		return nil, err
	}
	a.Service = svc
	return svc, nil
}

// buildRunbooks builds the scheduled runbooks, run on the catalogue's
// executor; it is off when none are configured.
func (a *App) buildRunbooks(surf Surface) (any, error) {
	if len(a.Config.Runbooks) == 0 {
		return nil, nil
	}
	// Their targets are checked against the inventory now, so it is
	// loaded before the asset domain's start would load it.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	err := a.Inventory.Reload(ctx)
	cancel()
	if err != nil {
		a.Log.Warn("inventory: loaded with problems", "err", err)
	}
	return runbook.New(context.Background(), a.Config.Runbooks, runbook.Deps{Catalogue: a.Catalogue, Runner: a.runner, Chat: surf.Chat,
		Audit: a.Audit, Changes: a.Changes, Incidents: a.Incidents, Log: a.Log})
}

// buildSummary builds the health summaries over the sections the domains
// mounted so far offer, in mount order.
func (a *App) buildSummary(surf Surface) (any, error) {
	sources := make([]summary.Source, len(a.summaries))
	for i, p := range a.summaries {
		sources[i] = summary.Source{Domain: p.name, Provider: p.part}
	}
	return summary.New(a.Config.Summaries, summary.Deps{Chat: surf.Chat, Sources: sources, Log: a.Log, Panics: a.Panics})
}

// buildJobs offers the scheduler's commands; a jobs config entry that
// names no job is logged, since its overrides do nothing.
func (a *App) buildJobs(Surface) (any, error) {
	if unknown := a.Config.Jobs.Unknown(a.Scheduler); len(unknown) > 0 {
		a.Log.Warn("the jobs section names jobs that do not exist; their settings do nothing", "jobs", strings.Join(unknown, ", "))
	}
	return jobs.New(jobs.Deps{Scheduler: a.Scheduler})
}

// buildInventory builds the inventory: the configured sources, then what
// admins import with `asset import`, then actions.hosts; and Prometheus'
// targets when monitor.prometheus is there (or inventory.prometheus says).
func (a *App) buildInventory(cat *actions.Catalogue) error {
	index := inventory.NewIndex(a.Store.Client(), a.Store.Prefix())
	opts := inventory.Options{Index: index, Extra: []inventory.Source{index.Imported(), cat.Source()}, Log: a.Log.With("domain", "inventory")}
	cfg := a.Config.Inventory
	if on := cfg.Prometheus.Targets; on == nil && a.Config.Monitor.Prometheus.URL != "" || on != nil && *on {
		prom, err := a.promClient()
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		opts.Targets = promTargets{prom}
	}
	inv, err := inventory.New(cfg, opts)
	if err != nil {
		return err
	}
	a.Inventory = inv
	return nil
}

// buildAssets builds the asset commands on the inventory, with what the
// other domains know about each asset; SIGHUP reloads the inventory.
func (a *App) buildAssets(surf Surface) (any, error) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	a.closers = append(a.closers, func() error { signal.Stop(hup); return nil })
	d := asset.Deps{Inventory: a.Inventory, Store: a.Store, Chat: surf.Chat, Exec: a.runner, Audit: a.Audit,
		NodeJob: a.Config.Monitor.NodeJob, Incidents: incidentRefs{a.Incidents}, Changes: changeRefs{a.Changes},
		IncidentForm: a.Incidents.NewIncidentForm, ChangeForm: a.Changes.NewChangeForm,
		OnCall: func(ctx context.Context, schedule string) (string, error) {
			oc, err := a.Oncall.WhoIsOnCall(ctx, schedule, time.Now())
			return oc.Now.User, err
		},
		TeamsOf: teamsOf(a.Config.Oncall), Reload: hup, Clock: time.Now, Metrics: a.Registry, Log: a.Log, Panics: a.Panics}
	if prom, err := a.promClient(); err != nil {
		return nil, err
	} else if prom != nil {
		d.Prometheus = prom
	}
	return asset.New(a.Config.Asset, d)
}

// promClient is the one Prometheus client (monitor, the inventory's
// targets, asset cards), made on first use; nil without monitor.prometheus.
func (a *App) promClient() (*promapi.Client, error) {
	if a.prom != nil || a.Config.Monitor.Prometheus.URL == "" {
		return a.prom, nil
	}
	prom, err := promapi.New(a.Config.Monitor.Prometheus)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, prom.Close)
	a.prom = prom
	return prom, nil
}

// noSSH stands in for the executor when no hosts are configured, so the
// commands answer with what to set up instead of failing obscurely.
type noSSH struct{}

func (noSSH) RunMany(_ context.Context, targets []sshexec.Target, _ sshexec.Command, _ sshexec.FanoutOptions) sshexec.FanoutResult {
	res := sshexec.FanoutResult{Failed: len(targets)}
	for _, t := range targets {
		res.Results = append(res.Results, sshexec.Result{Target: t,
			Err: errors.New("SSH is not set up: configure ssh (known_hosts, key_file)")})
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
