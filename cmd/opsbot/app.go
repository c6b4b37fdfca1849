package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/config"
	"opsbot/bot/logging"
	"opsbot/bot/ratelimit"
	"opsbot/bot/rbac"
	"opsbot/commands/core"
	"opsbot/integrations/redisstore"
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
		return nil, nil, fmt.Errorf("open config: %w (give one with -config, or copy config.example.yaml to config.yaml)", err)
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
func newApp(cfg *Config, doc *config.Document, store *redisstore.Store, groups rbac.GroupResolver, logOut io.Writer) (*App, error) {
	red := logging.NewRedactor(doc.Secrets())
	a := &App{Config: cfg, Redactor: red, Log: newLogger(cfg.Log, logOut, red), Store: store, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	policy, err := rbac.New(cfg.RBAC, groups, a.Log)
	if err != nil {
		return nil, err
	}
	a.Policy = policy
	a.Metrics = bot.NewMetrics(a.Registry)
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
	return a, nil
}

// pingStore is the readiness check for Redis.
func pingStore(s *redisstore.Store) func(context.Context) error {
	return func(ctx context.Context) error { return s.Ping(ctx) }
}
