// Package monitor brings monitoring into chat: Alertmanager's webhook
// posts one message per alert group that is updated in place as alerts
// fire and resolve, with buttons to acknowledge, silence and open an
// incident; commands list alerts and silences, query and graph Prometheus
// and show host health. State lives in Redis, so any replica can update
// any message.
package monitor

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/commands/incident"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/chart"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/redisstore"
)

// Chat is what the monitor posts and updates alert messages with; the
// outbox provides it.
type Chat interface {
	Post(ctx context.Context, m bot.Message) (ts string, err error)
	Update(ctx context.Context, channel, ts string, m bot.Message) error
}

// Backlogger says how long a new message to channel would wait; the
// outbox provides it. Nil means never backlogged.
type Backlogger interface {
	Backlog(channel string) time.Duration
}

// HostInfo knows who owns a host; nil skips owners.
type HostInfo interface {
	Owner(host string) (string, bool)
}

// HostGroups resolves a host group name to host names for `status`; nil
// means status takes host names only.
type HostGroups interface {
	Members(group string) ([]string, bool)
}

// OnCall says who is on call now for host (a Slack user id; "" when
// nobody is known); nil skips it.
type OnCall interface {
	WhoIsOnCall(ctx context.Context, host string) (string, error)
}

// OnCallFunc adapts a function to OnCall.
type OnCallFunc func(ctx context.Context, host string) (string, error)

// WhoIsOnCall calls f.
func (f OnCallFunc) WhoIsOnCall(ctx context.Context, host string) (string, error) {
	return f(ctx, host)
}

// Incidents opens an incident from an alert group and returns its id.
// *incident.Service is one.
type Incidents interface {
	OpenFromAlert(ctx context.Context, a incident.FromAlert) (id string, err error)
}

// Alertmanager is the part of the Alertmanager API the monitor uses;
// *alertmanager.Client provides it.
type Alertmanager interface {
	CreateSilence(ctx context.Context, s alertmanager.Silence) (string, error)
	ExpireSilence(ctx context.Context, id string) error
	ListSilences(ctx context.Context, filter []alertmanager.Matcher) ([]alertmanager.Silence, error)
	ListAlerts(ctx context.Context, f alertmanager.AlertFilter) ([]alertmanager.GettableAlert, error)
	URL() string
}

// Prometheus is the part of the Prometheus API the monitor uses;
// *prometheus.Client (integrations) provides it.
type Prometheus interface {
	Query(ctx context.Context, promql string, at time.Time) (promapi.Result, []string, error)
	QueryRange(ctx context.Context, promql string, start, end time.Time, step time.Duration) ([]promapi.Series, []string, error)
	URL() string
}

// Deps are the monitor's collaborators. Store, Chat, Alertmanager and
// Prometheus are required; the rest may be nil.
type Deps struct {
	Store        *redisstore.Store
	Chat         Chat
	Backlog      Backlogger
	Alertmanager Alertmanager
	Prometheus   Prometheus
	Hosts        HostInfo
	HostGroups   HostGroups
	OnCall       OnCall
	Incidents    Incidents
	Audit        *audit.Log
	Metrics      prometheus.Registerer
	Log          *slog.Logger
	// Panics recovers panics in the delivery workers and the silence
	// sweep, logs and counts them; nil still recovers and logs.
	Panics *bot.Panics
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
}

// Service is the monitoring domain: webhook, delivery worker, buttons and
// commands.
type Service struct {
	cfg     Config
	d       Deps
	routes  *Routes
	loc     *time.Location // for the fallback of times shown
	st      *store
	metrics *metrics
	log     *slog.Logger
	now     func() time.Time
	wake    chan struct{}

	// draw renders graphs; chart.LineChart but in tests.
	draw func(chart.Options, []chart.Series) ([]byte, error)
}

// New checks cfg and returns the service.
func New(cfg Config, d Deps) (*Service, error) {
	cfg = cfg.withDefaults()
	routes, err := compileRoutes(cfg.Routes, cfg.DefaultChannel)
	if err != nil {
		return nil, err
	}
	loc, err := cfg.location()
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, d: d, routes: routes, loc: loc, log: d.Log, now: d.Clock, wake: make(chan struct{}, 1), draw: chart.LineChart}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(reg)
	s.st = &store{rdb: d.Store.Client(), key: d.Store.Key, now: s.now}
	return s, nil
}

// Routes returns the compiled routes, for tests and diagnostics.
func (s *Service) Routes() *Routes { return s.routes }

// needProm and needAM refuse commands whose backend was not configured.
func (s *Service) needProm() error {
	if s.d.Prometheus == nil {
		return bot.Errorf(bot.CodeUnavailable, "Prometheus is not configured here (monitor.prometheus.url)")
	}
	return nil
}

func (s *Service) needAM() error {
	if s.d.Alertmanager == nil {
		return bot.Errorf(bot.CodeUnavailable, "Alertmanager is not configured here (monitor.alertmanager.url)")
	}
	return nil
}

// notify wakes the delivery worker.
func (s *Service) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
