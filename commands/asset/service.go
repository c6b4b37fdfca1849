// Package asset is opsbot's `asset` commands over the inventory
// (integrations/inventory): an asset's card with what is live about it
// (metrics, firing alerts, incidents, changes, its last check, who owns it
// and who is on call), lists by selector with counts per environment and
// role, checks over SSH through the shared runner, warranties and ends of
// life coming due, an asset's history, the sources' health and imports,
// and an App Home section for the assets of a person's teams.
package asset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/commands/actions"
	"opsbot/commands/runner"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/redisstore"
)

// Querier runs an instant PromQL query; *prometheus.Client is one.
type Querier interface {
	Query(ctx context.Context, promql string, at time.Time) (promapi.Result, []string, error)
}

// IncidentRef is an incident as an asset's card and history show it.
type IncidentRef struct {
	ID, Title, Severity string
	Open                bool
	Opened, Resolved    time.Time
}

// Incidents finds the recent incidents that name an asset (in their title
// or affected services), newest first; cmd/opsbot adapts the incident desk.
type Incidents interface {
	Naming(ctx context.Context, asset string) ([]IncidentRef, error)
}

// ChangeRef is a change as an asset's card and history show it.
type ChangeRef struct {
	ID, Title, State, Requester string
	Created                     time.Time
}

// Pending reports whether the change is still to run or running.
func (c ChangeRef) Pending() bool {
	return c.State == "requested" || c.State == "approved" || c.State == "running"
}

// Changes finds the recent changes that run on a host, newest first;
// cmd/opsbot adapts the change desk.
type Changes interface {
	OnHost(ctx context.Context, host string) ([]ChangeRef, error)
}

// Auditor records what was done; *audit.Log is one.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Deps are what the commands work with. Inventory, Store and Chat are
// required; without Exec, asset check says SSH is not set up; the others
// leave their part of a card out.
type Deps struct {
	Inventory *inventory.Inventory
	Store     *redisstore.Store
	Chat      actions.Chat
	Exec      runner.Exec
	Audit     Auditor
	// Prometheus gives live metrics and firing alerts (ALERTS); NodeJob
	// is the node exporter's job (default node).
	Prometheus Querier
	NodeJob    string
	Incidents  Incidents
	Changes    Changes
	// OnCall says who is on call now for a schedule.
	OnCall func(ctx context.Context, schedule string) (user string, err error)
	// IncidentForm and ChangeForm answer the card's Open incident and
	// Request change buttons with the desks' forms, filled in for the
	// asset.
	IncidentForm func(ctx context.Context, req *bot.Request, asset string) (*bot.Reply, error)
	ChangeForm   func(ctx context.Context, req *bot.Request, target string) (*bot.Reply, error)
	// TeamsOf names the teams and on-call schedules a person belongs to,
	// for the App Home.
	TeamsOf func(ctx context.Context, user string) ([]string, error)
	// Reload asks for a reload of every source (opsbot gives SIGHUP).
	Reload <-chan os.Signal
	Clock  func() time.Time
	// Metrics, when set, gets the inventory's gauges.
	Metrics prometheus.Registerer
	Log     *slog.Logger
	Panics  *bot.Panics
}

// Service holds the asset commands.
type Service struct {
	d      Deps
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	loc    *time.Location
	index  *inventory.Index
	checks *checks
	runner *runner.Runner
	// runs are the checks in flight; a stop waits for them.
	runs actions.Runs
}

// New returns the asset commands.
func New(cfg Config, d Deps) (*Service, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("asset config: %w", errors.Join(errs...))
	}
	if d.Inventory == nil || d.Store == nil || d.Chat == nil {
		return nil, errors.New("asset commands: inventory, store and chat are required")
	}
	cfg = cfg.withDefaults()
	s := &Service{d: d, cfg: cfg, log: d.Log, now: d.Clock, index: d.Inventory.Index(), checks: newChecks(d.Store), loc: time.UTC}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.d.NodeJob == "" {
		s.d.NodeJob = "node"
	}
	if cfg.TimeZone != "" {
		s.loc, _ = time.LoadLocation(cfg.TimeZone) // Validate loaded it
	}
	if d.Exec != nil {
		var a runner.Auditor
		if d.Audit != nil {
			a = d.Audit
		}
		s.runner = runner.New(d.Exec, d.Chat, a, s.log)
	}
	if d.Metrics != nil {
		if err := s.registerMetrics(d.Metrics); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Commands returns the asset verbs.
func (s *Service) Commands() []bot.Command {
	v, r := bot.RoleViewer, bot.RoleResponder
	return []bot.Command{
		{Verb: "asset show", Args: "<name>", Role: v, Summary: "Show an asset: its facts, then what is live (metrics, alerts, incidents, changes, last check, owner, on call)",
			Examples: []string{"asset show web-1"}, Handler: s.cmdShow},
		{Verb: "asset list", Args: "[selector] [page]", Role: v, Summary: "List the assets a selector picks, with counts per environment and role",
			Examples: []string{"asset list", "asset list role=web,env=prod", "asset list env!=prod 2", `asset list name=~"web-.*"`}, Handler: s.cmdList},
		{Verb: "asset check", Args: "<selector>", Role: r, Summary: "Check hosts over SSH: uptime, kernel, disks, failed units, reboot required, time sync",
			Examples: []string{"asset check web-1", "asset check role=web,env=prod"}, Handler: s.cmdCheck},
		{Verb: "asset expiring", Args: "[within]", Role: v, Summary: fmt.Sprintf("Warranties and ends of life coming due, soonest first (default within %dd)", s.cfg.ExpiringDays),
			Examples: []string{"asset expiring", "asset expiring 30d", "asset expiring 1y"}, Handler: s.cmdExpiring},
		{Verb: "asset history", Args: "<name>", Role: v, Summary: "The changes, incidents and checks that touched an asset, newest first",
			Examples: []string{"asset history db-1"}, Handler: s.cmdHistory},
		{Verb: "asset sources", Role: v, Summary: "Where assets come from and whether each source read well",
			Handler: s.cmdSources},
		{Verb: "asset import", Args: "<file>", Role: bot.RoleAdmin, Summary: "Import assets from a YAML or CSV file in asset.import_dir (replaces the last import)",
			Examples: []string{"asset import cmdb-export.csv"}, Handler: s.cmdImport},
	}
}

// Actions returns the card's buttons and the list's paging.
func (s *Service) Actions() []bot.Route {
	return []bot.Route{
		{ID: actionCheck, Role: bot.RoleResponder, Handler: s.clickCheck},
		{ID: actionIncident, Role: bot.RoleResponder, Handler: s.clickIncident},
		{ID: actionChange, Role: bot.RoleResponder, Handler: s.clickChange},
		{ID: actionPage, Role: bot.RoleViewer, Handler: s.clickPage},
	}
}

// The action ids of the asset messages' buttons.
const (
	actionCheck    = "asset.check"
	actionIncident = "asset.incident"
	actionChange   = "asset.change"
	actionPage     = "asset.page"
)

// Start loads the inventory once before opsbot serves; a source that
// fails is reported (log, asset sources, /readyz) and retried, not fatal.
func (s *Service) Start(ctx context.Context) error {
	if err := s.d.Inventory.Reload(ctx); err != nil {
		s.log.Warn("inventory: loaded with problems", "err", err)
	}
	return nil
}

// Run reloads the inventory (SIGHUP, file changes, imports, Prometheus'
// interval) until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	reload := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.d.Reload:
				select {
				case reload <- struct{}{}:
				default: // one reload is already asked for
				}
			}
		}
	}()
	return s.d.Inventory.Run(ctx, reload)
}

// Wait starts no more checks and blocks until those in flight finish.
func (s *Service) Wait() {
	if n := s.runs.Close(); n > 0 {
		s.log.Warn("waiting for asset checks to finish before stopping", "runs", n)
	}
	s.runs.Wait()
}

// notLoaded turns the index's errors into what a person is told.
func notLoaded(err error) error {
	if errors.Is(err, inventory.ErrNotLoaded) {
		return bot.Errorf(bot.CodeUnavailable, "the inventory has not been loaded yet; try again in a moment (`asset sources` says how its sources read)")
	}
	return bot.Unavailable("the inventory", err)
}
