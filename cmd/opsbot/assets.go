package main

import (
	"context"
	"slices"
	"strings"

	"opsbot/commands/asset"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/commands/oncall"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
)

// The adapters between the asset commands and the other domains: each
// side keeps its own types.

// promTargets is Prometheus' scrape targets as the inventory reads them.
type promTargets struct{ c *promapi.Client }

func (p promTargets) ScrapeTargets(ctx context.Context) ([]inventory.Target, error) {
	ts, err := p.c.Targets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Target, len(ts))
	for i, t := range ts {
		out[i] = inventory.Target{Pool: t.Pool, Labels: t.Labels, Health: t.Health}
	}
	return out, nil
}

// incidentRefs is the incident desk as an asset's card reads it.
type incidentRefs struct{ s *incident.Service }

func (r incidentRefs) Naming(ctx context.Context, name string) ([]asset.IncidentRef, error) {
	incs, err := r.s.Naming(ctx, name)
	out := make([]asset.IncidentRef, len(incs))
	for i, inc := range incs {
		out[i] = asset.IncidentRef{ID: inc.ID(), Title: inc.Title, Severity: inc.Severity.String(),
			Open: inc.State != incident.StateResolved, Opened: inc.Opened, Resolved: inc.ResolvedAt}
		if out[i].Opened.IsZero() {
			out[i].Opened = inc.Created
		}
	}
	return out, err
}

// changeRefs is the change desk as an asset's card reads it.
type changeRefs struct{ s *change.Service }

func (r changeRefs) OnHost(ctx context.Context, host string) ([]asset.ChangeRef, error) {
	chs, err := r.s.OnHost(ctx, host)
	out := make([]asset.ChangeRef, len(chs))
	for i, c := range chs {
		out[i] = asset.ChangeRef{ID: c.ID, Title: strings.TrimPrefix(c.Title(), c.ID+" "), State: c.State, Requester: c.Requester, Created: c.Created}
	}
	return out, err
}

// teamsOf names a person's teams for the App Home: the on-call schedules
// they take shifts in, and those schedules' user groups.
func teamsOf(cfg oncall.Config) func(ctx context.Context, user string) ([]string, error) {
	return func(_ context.Context, user string) ([]string, error) {
		var out []string
		for _, s := range cfg.Schedules {
			if slices.Contains(s.Users, user) {
				out = append(out, s.Name)
				if s.UserGroup != "" {
					out = append(out, s.UserGroup)
				}
			}
		}
		return out, nil
	}
}
