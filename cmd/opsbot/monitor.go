package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"opsbot/commands/incident"
	"opsbot/commands/monitor"
	promapi "opsbot/integrations/prometheus"
)

// addMonitor wires alerts, silences, queries, graphs and host status; it
// is off when the monitor section is empty.
func (a *App) addMonitor(cfg *Config, surf Surface) error {
	if !cfg.Monitor.Enabled() {
		return nil
	}
	am, err := cfg.Monitor.AlertmanagerClient()
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	prom, err := promapi.New(cfg.Monitor.Prometheus)
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	a.closers = append(a.closers, prom.Close)
	d := monitor.Deps{Store: a.Store, Chat: surf.Chat, Alertmanager: am, Prometheus: prom,
		Audit: a.Audit, Registerer: a.Registry, Log: a.Log, Panics: a.Panics}
	if a.Catalogue != nil && len(a.Catalogue.Hosts()) > 0 {
		inv := inventory{cat: a.Catalogue}
		d.HostGroups, d.Hosts = inv, inv
	}
	if b, ok := surf.Chat.(monitor.Backlogger); ok {
		d.Backlog = b
	}
	if sched := cfg.Monitor.OnCallSchedule; sched != "" && a.Oncall != nil {
		d.OnCall = monitor.OnCallFunc(func(ctx context.Context) (string, error) {
			oc, err := a.Oncall.WhoIsOnCall(ctx, sched, time.Now())
			return oc.Now.User, err
		})
	}
	if a.Incidents != nil {
		d.Incidents = monitor.IncidentsFunc(a.incidentFromAlert)
	}
	mon, err := monitor.New(cfg.Monitor, d)
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	a.Monitor = mon
	if err := a.Router.Register(mon.Commands()...); err != nil {
		return err
	}
	return a.Router.RegisterAction(mon.Actions()...)
}

// incidentFromAlert opens an incident for an alert group: critical alerts
// become sev2 (a person decides whether it is a sev1), info sev4, the rest
// sev3.
func (a *App) incidentFromAlert(ctx context.Context, title, severity, user, link string) (string, error) {
	sev := incident.Severity(3)
	switch strings.ToLower(severity) {
	case "critical", "page":
		sev = 2
	case "info":
		sev = 4
	}
	if len(title) > incident.MaxTitle {
		title = title[:incident.MaxTitle]
	}
	o, err := a.Incidents.Open(ctx, incident.OpenRequest{Title: title, Severity: sev, Reporter: user, Links: []string{"alert " + link}})
	if err != nil {
		return "", err
	}
	return o.Incident.ID(), nil
}
