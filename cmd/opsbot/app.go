package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/config"
	"opsbot/bot/logging"
	"opsbot/bot/ratelimit"
	"opsbot/bot/rbac"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/core"
	"opsbot/commands/incident"
	"opsbot/commands/monitor"
	"opsbot/commands/oncall"
	"opsbot/commands/services"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/redisstore"
	"opsbot/jobs/loop"
	"opsbot/jobs/scheduler"
)

// App is opsbot's core, wired by hand, and what the mounted domains offer
// the transports: the store, the router with its middleware, the step
// loop, metrics and the logger first; then, once the transport has given
// a chat to post through, every domain of the mount list (domains.go).
type App struct {
	Config   *Config
	Log      *slog.Logger
	Redactor *logging.Redactor
	Store    *redisstore.Store
	Registry *prometheus.Registry
	Router   *bot.Router
	Policy   *rbac.Policy
	Audit    *audit.Log
	Metrics  *bot.Metrics
	// Panics recovers panics in goroutines (runs, handlers, workers) and
	// counts them in opsbot_panics_total; one for the whole process.
	Panics *bot.Panics
	// Loop runs every step (escalations, reminders, handoffs, change
	// windows, job occurrences), each claimed once across replicas; Start
	// starts it.
	Loop *loop.Loop
	// Scheduler runs every recurring job the domains offer, on the loop.
	Scheduler *scheduler.Scheduler

	// What the mounted domains offer: App Home sections and HTTP
	// handlers for the transports, summary sections, and the work Start
	// runs and waits for.
	Home     []bot.HomeSection
	Handlers map[string]http.Handler
	// summaries are the domains' sections of the health summary, in
	// mount order, for the summary domain.
	summaries []named[bot.SummaryProvider]

	starters []bot.Starter
	runners  []named[bot.Runner]
	waiters  []named[bot.Waiter]
	details  []named[bot.ReadyDetailer]
	// closers release what the domains opened (SSH connections).
	closers []func() error

	// The domains, for the hooks between them and for tests; nil when off.
	Oncall    *oncall.Service
	Incidents *incident.Service
	Catalogue *actions.Catalogue
	// Inventory names every target (actions.hosts is one of its sources).
	Inventory *inventory.Inventory
	// prom is the one Prometheus client, nil without monitor.prometheus.
	prom *promapi.Client
	// runner runs the catalogue's actions (SSH, or noSSH without hosts).
	runner  actions.Runner
	Monitor *monitor.Service
	Changes *change.Service
	Service *services.Service
}

// named is a domain's part with the domain's name, for the log.
type named[T any] struct {
	name string
	part T
}

// Surface is what a transport offers the domains: a chat to post through
// and, in Slack, workspace chores (nil in the console).
type Surface struct {
	Chat       bot.Chat
	Channels   incident.Channels
	UserGroups oncall.UserGroups
}

// readConfig loads the config file. For the console a missing default
// file means the built-in demo settings.
func (m *Main) readConfig(forSlack bool) (*Config, *config.Document, error) {
	loader := config.NewLoader()
	f, err := os.Open(m.ConfigPath)
	if errors.Is(err, fs.ErrNotExist) && !m.configSet && !forSlack {
		cfg, doc := demo(loader)
		return cfg, doc, nil
	}
	if err != nil {
		return nil, nil, configError{report: fmt.Sprintf("open config: %v (give one with -config, or copy config.example.yaml to config.yaml)", err)}
	}
	defer f.Close()
	cfg, doc := loadConfig(loader, m.ConfigPath, f, forSlack)
	if !doc.Report().OK() {
		return nil, nil, configError{report: doc.Report().String()}
	}
	return cfg, doc, nil
}

func newLogger(cfg LogConfig, w io.Writer, r *logging.Redactor) *slog.Logger {
	level, _ := parseLevel(cfg.Level)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(logging.NewHandler(h, r))
}

// newCore builds what every domain and transport shares: the logger (with
// the config's secrets redacted), metrics, RBAC, the audit trail, the rate
// limit, the router with its middleware and the built-in commands, and the
// step loop. groups resolves Slack user groups for RBAC (nil in the
// console). No domain is mounted yet: the transport comes first, so that
// domains get the chat they post through when they are built.
func newCore(cfg *Config, doc *config.Document, store *redisstore.Store, groups rbac.GroupResolver, logOut io.Writer) (*App, error) {
	red := logging.NewRedactor(doc.Secrets())
	a := &App{Config: cfg, Redactor: red, Log: newLogger(cfg.Log, logOut, red), Store: store, Registry: prometheus.NewRegistry(),
		Handlers: map[string]http.Handler{}}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	policy, err := rbac.New(cfg.RBAC, groups, a.Log)
	if err != nil {
		return nil, err
	}
	a.Policy = policy
	a.Metrics = bot.NewMetrics(a.Registry)
	a.Panics = bot.NewPanics(a.Registry, a.Log)
	a.Audit = audit.New(store.Client(), store.Key("audit"), cfg.Audit.MaxEntries, a.Log)
	limiter := ratelimit.New(store.Client(), store.Key("ratelimit"), *cfg.Limits.CommandsPerMinute, time.Minute, a.Log)

	prefix := ""
	if len(cfg.Slack.Commands) > 0 {
		prefix = cfg.Slack.Commands[0]
	}
	a.Router = bot.NewRouter(prefix)
	// Order matters: metrics and audit see every outcome, denials included;
	// the rate limit counts before RBAC so floods of denied commands count.
	a.Router.Use(a.Metrics.Middleware(), a.Audit.Middleware(), limiter.Middleware(), policy.Middleware())
	cmds := append([]bot.Command{a.Router.HelpCommand(), a.Audit.Command()}, core.Commands(policy, Version)...)
	if err := a.Router.Register(cmds...); err != nil {
		return nil, err
	}
	// One loop for every step; every replica polls it and Redis decides
	// who runs each step.
	a.Loop = loop.New(a.Store, loop.Options{Log: a.Log, Metrics: a.Registry, Panics: a.Panics})
	a.Scheduler = scheduler.New(a.Store, a.Loop, scheduler.Options{Log: a.Log, Metrics: a.Registry, Panics: a.Panics})
	return a, nil
}

// newApp is newCore with every domain mounted on surf, for callers whose
// chat exists before the core (tests).
func newApp(cfg *Config, doc *config.Document, store *redisstore.Store, groups rbac.GroupResolver, surf Surface, logOut io.Writer) (*App, error) {
	a, err := newCore(cfg, doc, store, groups, logOut)
	if err != nil {
		return nil, err
	}
	if err := a.MountAll(surf); err != nil {
		return nil, err
	}
	return a, nil
}

// Start starts the domains' background work and the step loop. The
// returned channel closes when all of it has stopped after ctx ends, and
// every domain's work in flight has finished (change and service runs,
// each bounded by changes.run_timeout): a run belongs to the app, not to
// the request that started it.
func (a *App) Start(ctx context.Context) (<-chan struct{}, error) {
	for _, s := range a.starters {
		if err := s.Start(ctx); err != nil {
			return nil, err
		}
	}
	if err := a.Scheduler.Start(ctx); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for _, r := range a.runners {
			wg.Go(func() {
				defer a.Panics.Recover(r.name+".run", nil)
				if err := r.part.Run(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("background work stopped", "domain", r.name, "err", err)
				}
			})
		}
		if err := a.Loop.Run(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("step loop stopped", "err", err)
		}
		wg.Wait()
		a.Scheduler.Wait() // job runs in flight, each bounded by its timeout
		for _, w := range a.waiters {
			w.part.Wait()
		}
	}()
	return done, nil
}

// Close releases what the domains opened.
func (a *App) Close() error {
	var errs []error
	for _, c := range a.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// pingStore is the readiness check for Redis.
func pingStore(s *redisstore.Store) func(context.Context) error {
	return func(ctx context.Context) error { return s.Ping(ctx) }
}
