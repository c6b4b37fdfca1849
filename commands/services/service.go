// Package services is opsbot's `service` commands: status, logs and restart
// of a service on hosts, built on the action catalogue. What policy lets a
// person run directly runs at once, with progress in one message and
// per-host output in its thread; the rest becomes a change request.
package services

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/audit"
	"opsbot/bot/blocks"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/runner"
	"opsbot/integrations/sshexec"
)

// Changes turns a run that needs approval into a change request;
// *change.Service is one.
type Changes interface {
	Request(ctx context.Context, r change.Request, user string, role bot.Role, channel string) (*change.Change, error)
}

// Catalogue finds actions; *actions.Catalogue is one.
type Catalogue interface {
	Action(name string) (*actions.Action, error)
}

// Auditor records domain events; *audit.Log is one.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Config is the `service` section: which catalogue actions the verbs run
// and how a direct run fans out.
type Config struct {
	// StatusAction, LogsAction and RestartAction name catalogue actions
	// (defaults status, logs, restart). Their first parameter is the service.
	StatusAction  string `yaml:"status_action"`
	LogsAction    string `yaml:"logs_action"`
	RestartAction string `yaml:"restart_action"`
	// Policy shapes the fan-out (concurrency, batch_size,
	// stop_after_failures, stop_above_fraction), as in the changes section.
	runner.Policy `yaml:",inline"`
}

// Validate lists every problem, each as "<key.path>: <problem>".
func (c Config) Validate() []error { return c.Policy.Validate() }

func (c *Config) applyDefaults() {
	for p, d := range map[*string]string{&c.StatusAction: "status", &c.LogsAction: "logs", &c.RestartAction: "restart"} {
		if *p == "" {
			*p = d
		}
	}
}

// Deps are what the commands work with; all are required but Log,
// Panics and RunTimeout.
type Deps struct {
	Chat     actions.Chat
	Runner   actions.Runner
	Resolver actions.Resolver
	Actions  Catalogue
	Changes  Changes
	Audit    Auditor
	Log      *slog.Logger
	// Panics recovers a run that panics ("service.run"); nil still recovers.
	Panics *bot.Panics
	// RunTimeout bounds one run (default 1h; opsbot gives it
	// changes.run_timeout).
	RunTimeout time.Duration
}

// Service holds the service commands.
type Service struct {
	d   Deps
	cfg Config
	log *slog.Logger
	// runner fans runs out and reports them.
	runner *runner.Runner
	// runs are the direct runs in flight; a stop waits for them.
	runs actions.Runs
}

// New returns the commands' service.
func New(cfg Config, d Deps) (*Service, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("service config: %v", errs[0])
	}
	if d.Chat == nil || d.Runner == nil || d.Resolver == nil || d.Actions == nil || d.Changes == nil || d.Audit == nil {
		return nil, fmt.Errorf("service commands: chat, runner, resolver, actions, changes and audit are required")
	}
	cfg.applyDefaults()
	if d.RunTimeout <= 0 {
		d.RunTimeout = time.Hour
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d, cfg: cfg, log: log, runner: runner.New(d.Runner, d.Chat, d.Audit, log)}, nil
}

// Commands returns service status, logs and restart, each needing the
// role of the catalogue action it runs, so help shows the real least role
// and RBAC refuses (naming who holds it) before anything is resolved.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		{Verb: "service status", Args: "<service> on <host|group|labels>", Role: s.role(s.cfg.StatusAction),
			Summary: "Show a service's status on hosts", Examples: []string{"service status nginx on web"},
			Handler: s.handler(s.cfg.StatusAction, false)},
		{Verb: "service logs", Args: "<service> on <host> [lines]", Role: s.role(s.cfg.LogsAction),
			Summary: "Show a service's recent log lines on one host", Examples: []string{"service logs nginx on web-1 200"},
			Handler: s.handler(s.cfg.LogsAction, true)},
		{Verb: "service restart", Args: "<service> on <host|group|labels> [-- reason]", Role: s.role(s.cfg.RestartAction),
			Summary:  "Restart a service; where policy asks for approval this files a change request",
			Examples: []string{"service restart nginx on web-staging", "service restart nginx on role=web,env=prod -- config change"},
			Handler:  s.handler(s.cfg.RestartAction, false)},
	}
}

// role is the least role that may run the catalogue action name; viewer
// when the catalogue has no such action (the command then says so).
func (s *Service) role(name string) bot.Role {
	a, err := s.d.Actions.Action(name)
	if err != nil || a.Role == bot.RoleNone {
		return bot.RoleViewer
	}
	return a.Role
}

// handler parses "<service> on <target> [extra values] [-- reason]".
func (s *Service) handler(actionName string, oneHost bool) bot.Handler {
	return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
		r, err := change.ParseRequest(actionName + " " + moveTrailing(req.Args.Rest(0)))
		if err != nil || len(r.Positional) == 0 {
			return nil, req.Command.UsageError("write `%s %s`", req.Verb, req.Command.Args)
		}
		a, err := s.d.Actions.Action(actionName)
		if err != nil {
			return nil, err
		}
		if req.Role < a.Role {
			return nil, bot.Errorf(bot.CodeForbidden, "%s needs the %s role; you have %s", strings.TrimPrefix(req.Verb, "service "), a.Role, req.Role)
		}
		hosts, err := s.d.Resolver.Resolve(ctx, r.Selector)
		if err != nil {
			return nil, err
		}
		if oneHost && len(hosts) != 1 {
			return nil, bot.Errorf(bot.CodeInvalid, "%s matches %d hosts; name one host", blocks.Escape(r.Selector), len(hosts))
		}
		plan, err := a.Bind(r.Positional, r.Named, hosts)
		if err != nil {
			return nil, err
		}
		if a.NeedsApprovalOn(hosts) {
			if r.Reason == "" {
				r.Reason = "requested with `" + req.Verb + "`"
			}
			c, err := s.d.Changes.Request(ctx, r, req.UserID, req.Role, req.Channel)
			if err != nil {
				return nil, err
			}
			return bot.Text(fmt.Sprintf("%s on %s needs approval in %s, so I filed %s; it runs once approved.", a.Name, blocks.Escape(r.Selector), blocks.Escape(strings.Join(plan.Envs(), ", ")), c.ID)), nil
		}
		return s.run(ctx, req, plan)
	}
}

// moveTrailing turns "nginx on web-1 200" into "nginx 200 on web-1" so
// values after the target fill parameters too.
func moveTrailing(text string) string {
	body, reason, hasReason := strings.Cut(text, " -- ")
	if !hasReason {
		body, reason, hasReason = strings.Cut(text, "—")
	}
	f := strings.Fields(body)
	for i, w := range f {
		if strings.EqualFold(w, "on") && i+2 < len(f) {
			body = strings.Join(append(append(append([]string{}, f[:i]...), f[i+2:]...), "on", f[i+1]), " ")
			break
		}
	}
	if hasReason {
		return body + " -- " + reason
	}
	return body
}

// Wait starts no more runs and blocks until those in flight have
// finished (each bounded by RunTimeout); the app calls it when it stops.
func (s *Service) Wait() {
	if n := s.runs.Close(); n > 0 {
		s.log.Warn("waiting for service runs to finish before stopping", "runs", n, "at_most", s.d.RunTimeout)
	}
	s.runs.Wait()
}

// run runs plan at once: a progress message updated in place, per-host
// output in its thread (a file when long). The run belongs to opsbot, not
// to the request: it goes on if the request's context ends (the answer
// then says it is still running), and a stop waits for it.
func (s *Service) run(ctx context.Context, req *bot.Request, plan *actions.Plan) (*bot.Reply, error) {
	label := plan.Values[plan.Action.ParamOrder()[0]] + " " + plan.Action.Name
	if !s.runs.Enter() {
		return nil, bot.Errorf(bot.CodeUnavailable, "opsbot is stopping, so %s did not start; run it again once opsbot is back", blocks.Escape(label))
	}
	rctx, cancel := actions.Detach(ctx, s.d.RunTimeout)
	job, err := s.runner.Open(rctx, s.job(req, plan, label))
	if err != nil {
		cancel()
		s.runs.Done()
		return nil, err
	}
	ts := job.Thread
	out := make(chan string, 1)
	go func() {
		defer s.runs.Done()
		defer cancel()
		final := blocks.Escape(label) + " stopped on an internal error (logged); check the hosts"
		defer func() { out <- final }()
		defer s.d.Panics.Recover("service.run", func(error) {
			if err := s.d.Chat.Update(rctx, req.Channel, ts, bot.Message{Text: final}); err != nil {
				s.log.Warn("update progress", "run", label, "err", err)
			}
		})
		final = s.runner.Run(rctx, job).Final
	}()
	select {
	case final := <-out:
		return &bot.Reply{Text: final + "; per-host output is in the thread.", Visibility: bot.VisibleToRequester}, nil
	case <-ctx.Done():
	case <-s.runs.Stopping(): // answer before the stop's drain ends
	}
	return &bot.Reply{Text: blocks.Escape(label) + " is still running; its progress message shows how far, and per-host output will be in its thread.", Visibility: bot.VisibleToRequester}, nil
}

// job is the runner's job for plan, reported where the request came from.
func (s *Service) job(req *bot.Request, plan *actions.Plan, label string) runner.Job {
	return runner.Job{Label: label, Targets: plan.Targets(), Command: sshexec.Command{Argv: plan.Argv}, Policy: s.cfg.Policy,
		User: req.UserID, Action: "service." + plan.Action.Name, Detail: plan.Describe() + " on " + strings.Join(plan.HostNames(), ","),
		Channel: req.Channel, Thread: req.Thread}
}

func (s *Service) record(ctx context.Context, user, action, detail, outcome string) {
	if err := s.d.Audit.Record(ctx, audit.Entry{User: user, Action: action, Detail: detail, Outcome: outcome}); err != nil {
		s.log.Warn("audit record failed", "action", action, "err", err)
	}
}
