package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/slack-go/slack"

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
	"opsbot/commands/service"
	"opsbot/integrations/redisstore"
	"opsbot/jobs/loop"
)

// App is everything a transport needs, wired by hand: the store, the
// router with its middleware and commands, metrics and the logger.
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
	// closers release what the domains opened (SSH connections).
	closers []func() error

	// Loop runs escalations, reminders and handoffs; Start starts it.
	Loop      *loop.Loop
	Oncall    *oncall.Service
	Incidents *incident.Service
	Changes   *change.Service
	Service   *service.Service
	Catalogue *actions.Catalogue
	Monitor   *monitor.Service
	// Home lists the App Home sections the domains offer, by title.
	Home []HomeSection
}

// HomeSection is one part of a user's App Home.
type HomeSection struct {
	Title  string
	Render func(ctx context.Context, userID string) ([]slack.Block, error)
}

// Surface is what a transport offers the domains: a chat to post through
// and, in Slack, workspace chores (nil in the console).
type Surface struct {
	Chat       bot.Chat
	Channels   incident.Channels
	UserGroups oncall.UserGroups
	// Silencer silences alerts on a change's hosts while it runs (nil: off).
	Silencer change.Silencer
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

// newApp wires the router, middleware and the commands every transport
// offers. groups resolves Slack user groups for RBAC (nil in the console).
func newApp(cfg *Config, doc *config.Document, store *redisstore.Store, groups rbac.GroupResolver, surf Surface, logOut io.Writer) (*App, error) {
	red := logging.NewRedactor(doc.Secrets())
	a := &App{Config: cfg, Redactor: red, Log: newLogger(cfg.Log, logOut, red), Store: store, Registry: prometheus.NewRegistry()}
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
	if err := a.addIncidentDesk(cfg, surf); err != nil {
		return nil, err
	}
	if cfg.Monitor.Enabled() && surf.Silencer == nil {
		// Changes silence their hosts' alerts while they run.
		am, err := cfg.Monitor.AlertmanagerClient()
		if err != nil {
			return nil, fmt.Errorf("monitor: %w", err)
		}
		surf.Silencer = hostSilencer{am: am}
	}
	if err := a.addChangeDesk(cfg, surf); err != nil {
		return nil, err
	}
	if err := a.addMonitor(cfg, surf); err != nil {
		return nil, err
	}
	return a, nil
}

// addIncidentDesk wires incidents and on-call. Escalations, status
// reminders and handoffs are steps of one loop; every replica polls it and
// Redis decides who runs each step.
func (a *App) addIncidentDesk(cfg *Config, surf Surface) error {
	a.Loop = loop.New(a.Store, loop.Options{Log: a.Log, Metrics: a.Registry, Panics: a.Panics})
	oc, err := oncall.New(cfg.Oncall, oncall.Deps{Store: a.Store, Chat: surf.Chat, Steps: a.Loop, Groups: surf.UserGroups,
		Audit: a.Audit, Log: a.Log, Metrics: a.Registry})
	if err != nil {
		return fmt.Errorf("on-call: %w", err)
	}
	inc, err := incident.New(cfg.Incident, incident.Deps{Store: a.Store, Chat: surf.Chat, Steps: a.Loop, Pager: oc,
		Channels: surf.Channels, Log: a.Log, Metrics: a.Registry})
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	oc.OnAcknowledge(inc.AcknowledgeFromPage) // acknowledging a page acknowledges its incident
	a.Oncall, a.Incidents = oc, inc
	if err := a.Router.Register(append(inc.Commands(), oc.Commands()...)...); err != nil {
		return err
	}
	a.Router.Describe("incident", incident.Describe)
	a.Router.Describe("oncall", oncall.Describe)
	if err := a.Router.RegisterAction(append(inc.Actions(), oc.Actions()...)...); err != nil {
		return err
	}
	if err := a.Router.RegisterView(inc.Views()...); err != nil {
		return err
	}
	for _, steps := range []map[string]func(context.Context, string, string) error{inc.Steps(), oc.Steps()} {
		for kind, h := range steps {
			if err := a.Loop.Handle(kind, h); err != nil {
				return err
			}
		}
	}
	a.Home = append(a.Home, HomeSection{"Open incidents I'm in", inc.HomeSection}, HomeSection{"My next on-call shifts", oc.HomeSection})
	return nil
}

// Start starts the background work: the first handoff check per schedule,
// the step loop, the change sweep and alert delivery. The returned channel
// closes when all of them have stopped after ctx ends, change and service
// runs in flight included (each bounded by changes.run_timeout): a run
// belongs to the app, not to the request that started it.
func (a *App) Start(ctx context.Context) (<-chan struct{}, error) {
	if err := a.Oncall.Start(ctx); err != nil {
		return nil, fmt.Errorf("start on-call: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		wg.Go(func() { a.sweepChanges(ctx) }) // waits for change runs when ctx ends
		if a.Service != nil {
			wg.Go(func() {
				<-ctx.Done()
				a.Service.Wait()
			})
		}
		if a.Monitor != nil {
			// Alert delivery: posts and updates what webhooks stored,
			// including what a previous run left undelivered.
			wg.Go(func() {
				if err := a.Monitor.Run(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("alert delivery stopped", "err", err)
				}
			})
		}
		if err := a.Loop.Run(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("step loop stopped", "err", err)
		}
		wg.Wait()
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
