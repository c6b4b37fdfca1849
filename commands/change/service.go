// Package change is opsbot's change desk: requests to run a catalogued
// action on hosts, posted with their exact plan and Approve/Reject
// buttons; an approval policy (distinct approvers, no self-approval,
// expiry, freeze windows with emergency approval by an admin); execution
// exactly once over SSH with per-host results in the thread.
package change

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/commands/actions"
	"opsbot/commands/runner"
	"opsbot/integrations/redisstore"
)

// Auditor records domain events; *audit.Log is one.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Silencer silences alerts on hosts while a change runs; nil skips it.
type Silencer interface {
	SilenceHosts(ctx context.Context, hosts []string, d time.Duration, comment string) (string, error)
}

// Scheduler makes a step due later; *loop.Loop is one. A change approved
// before its window runs as the step "change.run" at the window's start.
type Scheduler interface {
	Schedule(ctx context.Context, kind, id string, due time.Time, payload string) error
	Cancel(ctx context.Context, kind, id string) error
}

// Catalogue finds actions; *actions.Catalogue is one.
type Catalogue interface {
	Action(name string) (*actions.Action, error)
}

// Deps are what the desk works with. All but Silencer, Steps, Clock, Log
// and Metrics are required; without Steps, requests with a window are refused.
type Deps struct {
	Store    *redisstore.Store
	Chat     actions.Chat
	Runner   actions.Runner
	Resolver actions.Resolver
	Actions  Catalogue
	Audit    Auditor
	Silencer Silencer
	Steps    Scheduler
	// Clock tells the time; nil means time.Now.
	Clock func() time.Time
	Log   *slog.Logger
	// Metrics registers the desk's metrics; nil leaves them unregistered.
	Metrics prometheus.Registerer
	// Panics recovers a run that panics ("change.run"); nil still
	// recovers, logging to slog's default logger.
	Panics *bot.Panics
}

// Service is the change desk.
type Service struct {
	d   Deps
	st  *store
	pol *policy
	log *slog.Logger
	met *metrics
	// runner fans runs out and reports them.
	runner *runner.Runner
	// runs are the runs in flight, whoever started them (a final
	// approval, the step loop, the sweep); a stop waits for them.
	runs actions.Runs
	// life ends when the desk stops: background writes that wait for
	// Redis give up then.
	life context.Context
	stop context.CancelFunc
	// unstarted remembers why a final approval could not start its run
	// (change id → reason), for the sweep, until the reason is in Redis.
	unstarted sync.Map
}

// New checks cfg and returns the desk, registering its metrics.
func New(cfg Config, d Deps) (*Service, error) {
	pol, errs := cfg.compile()
	if len(errs) > 0 {
		return nil, fmt.Errorf("changes config: %v", errs[0])
	}
	if d.Store == nil || d.Chat == nil || d.Runner == nil || d.Resolver == nil || d.Actions == nil || d.Audit == nil {
		return nil, fmt.Errorf("change desk: store, chat, runner, resolver, actions and audit are required")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := newStore(d.Store)
	life, stop := context.WithCancel(context.Background())
	return &Service{d: d, st: st, pol: pol, log: log, met: newMetrics(d.Metrics, st, log), life: life, stop: stop,
		runner: runner.New(d.Runner, d.Chat, d.Audit, log)}, nil
}

func (s *Service) now() time.Time { return s.d.Clock() }

// Wait stops starting runs (a step due meanwhile is retried by the loop,
// after a restart if need be; an approval's run is left to the sweep) and
// blocks until those in flight have finished, each bounded by
// run_timeout; the app calls it when it stops.
func (s *Service) Wait() {
	n := s.runs.Close()
	s.stop()
	if n > 0 {
		// Without a word a stopping opsbot would seem hung.
		s.log.Warn("waiting for change runs to finish before stopping", "runs", n, "at_most", s.pol.runTimeout)
	}
	s.runs.Wait()
}

// RunTimeout bounds one run over SSH (changes.run_timeout); the service
// commands' direct runs are bounded by it too.
func (s *Service) RunTimeout() time.Duration { return s.pol.runTimeout }

func (s *Service) record(ctx context.Context, user, action, detail, outcome string) {
	if err := s.d.Audit.Record(ctx, audit.Entry{User: user, Action: action, Detail: detail, Outcome: outcome}); err != nil {
		s.log.Warn("audit record failed", "action", action, "err", err)
	}
}

// Exists tells whether the change id (CHG-7, chg-7 or 7) was ever
// requested; the incident desk links only changes that exist.
func (s *Service) Exists(ctx context.Context, id string) (bool, error) {
	id = normalizeID(id)
	if id == "" {
		return false, nil
	}
	return s.st.exists(ctx, id)
}

// load fetches a change by id as typed (chg-7, CHG-7, 7).
func (s *Service) load(ctx context.Context, id string) (*Change, error) {
	id = normalizeID(id)
	if id == "" {
		return nil, bot.Errorf(bot.CodeInvalid, "give a change id like CHG-7")
	}
	c, err := s.st.get(ctx, id)
	if err == errNoChange {
		return nil, bot.Errorf(bot.CodeNotFound, "there is no change %s; see `change list recent`", id)
	}
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	return c, nil
}

func normalizeID(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "CHG-")
	if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
		return ""
	}
	return "CHG-" + strings.TrimLeft(s, "0")
}
