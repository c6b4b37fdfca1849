// Package runbook is routine work on a schedule: each configured runbook
// is a job of the scheduler that runs a catalogue action on the hosts its
// target selects, through the shared runner (one progress message, the
// per-host report in its thread, the audit trail), or files a change
// request at each occurrence when it must be approved. A failure mentions
// the runbook's owner and, when configured, opens an incident.
package runbook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/commands/runner"
	"opsbot/integrations/sshexec"
)

// Changes files change requests; *change.Service is one.
type Changes interface {
	Request(ctx context.Context, r change.Request, user string, role bot.Role, channel string) (*change.Change, error)
}

// Incidents opens incidents; *incident.Service is one.
type Incidents interface {
	Open(ctx context.Context, r incident.OpenRequest) (*incident.Opened, error)
}

// Deps are the runbooks' collaborators. Catalogue, Runner, Chat and Audit
// are required; Changes for runbooks with approval: change, Incidents for
// those with an incident severity.
type Deps struct {
	Catalogue Catalogue
	Runner    actions.Runner
	Chat      actions.Chat
	Audit     runner.Auditor
	Changes   Changes
	Incidents Incidents
	Log       *slog.Logger
}

// Requester is who runbooks act as: in the audit trail, and as the
// requester of their change requests (so any approver may approve them).
const Requester = "opsbot"

// DefaultTimeout bounds one run; the jobs section changes it by name.
const DefaultTimeout = time.Hour

// Service runs the configured runbooks.
type Service struct {
	cfg    Config
	d      Deps
	log    *slog.Logger
	runner *runner.Runner
}

// New checks cfg, against the catalogue too, and returns the runbooks.
func New(ctx context.Context, cfg Config, d Deps) (*Service, error) {
	if d.Catalogue == nil || d.Runner == nil || d.Chat == nil || d.Audit == nil {
		return nil, errors.New("runbooks: catalogue, runner, chat and audit are required")
	}
	errs := append(cfg.Validate(), cfg.Check(ctx, d.Catalogue)...)
	for i, rb := range cfg {
		if rb.Approval == ApprovalChange && d.Changes == nil {
			errs = append(errs, fmt.Errorf("[%d].approval: change needs the change desk", i))
		}
		if rb.Incident != "" && d.Incidents == nil {
			errs = append(errs, fmt.Errorf("[%d].incident: needs the incident desk", i))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("runbooks config: %w", errors.Join(errs...))
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, d: d, log: log, runner: runner.New(d.Runner, d.Chat, d.Audit, log)}, nil
}

var _ bot.JobSet = (*Service)(nil)

// Jobs offers one job per runbook, named after it.
func (s *Service) Jobs() []bot.Job {
	out := make([]bot.Job, 0, len(s.cfg))
	for _, rb := range s.cfg {
		what := "runs " + rb.Action + " on " + rb.Target
		if rb.Approval == ApprovalChange {
			what = "files a change request to run " + rb.Action + " on " + rb.Target
		}
		out = append(out, bot.Job{Name: rb.Name, Summary: what + ", reported in " + rb.Channel, Schedule: rb.Schedule, Zone: rb.Zone,
			Timeout: DefaultTimeout, Run: func(ctx context.Context, jr bot.JobRun) error { return s.Run(ctx, rb, jr) }})
	}
	return out
}

// Run carries out one occurrence of rb. A run that fails (or cannot
// start) mentions the owner, opens the incident when configured, and is
// returned as the job's error.
func (s *Service) Run(ctx context.Context, rb Runbook, jr bot.JobRun) error {
	plan, err := rb.plan(ctx, s.d.Catalogue)
	if err != nil {
		s.failed(ctx, rb, "", "could not start: "+bot.UserMessage(err), nil)
		return fmt.Errorf("prepare runbook %s: %w", rb.Name, err)
	}
	if rb.Approval == ApprovalChange {
		return s.request(ctx, rb, plan, jr)
	}
	job, err := s.runner.Open(ctx, runner.Job{Label: "runbook " + rb.Name, Targets: plan.Targets(), Command: sshexec.Command{Argv: plan.Argv},
		Policy: rb.Policy, User: who(jr), Action: "runbook." + rb.Name, Detail: plan.Describe() + " on " + strings.Join(plan.HostNames(), ","),
		Channel: rb.Channel, File: rb.Name + "-output.txt", Title: "runbook " + rb.Name + " output"})
	if err != nil {
		return fmt.Errorf("runbook %s: %w", rb.Name, err)
	}
	res := s.runner.Run(ctx, job)
	if res.Outcome == "succeeded" {
		return nil
	}
	s.failed(ctx, rb, job.Thread, strings.ReplaceAll(res.Outcome, "_", " ")+" ("+blocks.Escape(res.Summary)+")", failedHosts(res.FanoutResult))
	return fmt.Errorf("runbook %s %s: %s", rb.Name, strings.ReplaceAll(res.Outcome, "_", " "), res.Summary)
}

// request files the change request of one occurrence and says so.
func (s *Service) request(ctx context.Context, rb Runbook, plan *actions.Plan, jr bot.JobRun) error {
	reason := "scheduled runbook " + rb.Name + " (due " + jr.Due.UTC().Format("2006-01-02 15:04 MST") + ")"
	c, err := s.d.Changes.Request(ctx, change.Request{Action: rb.Action, Named: rb.Values, Selector: rb.Target, Reason: reason},
		Requester, bot.RoleAdmin, rb.Channel)
	if err != nil {
		s.failed(ctx, rb, "", "could not file its change request: "+bot.UserMessage(err), plan.HostNames())
		return fmt.Errorf("runbook %s: file its change request: %w", rb.Name, err)
	}
	text := fmt.Sprintf(":clipboard: Runbook *%s* filed %s to run %s on %s; it runs once approved (owner: %s).",
		blocks.Escape(rb.Name), c.ID, blocks.Escape(plan.Describe()), blocks.Escape(rb.Target), ownerRef(rb.Owner))
	if _, err := s.d.Chat.Post(ctx, bot.Message{Channel: rb.Channel, Text: text}); err != nil {
		s.log.Warn("say a runbook filed its change", "runbook", rb.Name, "change", c.ID, "err", err)
	}
	return nil
}

// who is the audit trail's user of a run: who ran it by hand, else opsbot.
func who(jr bot.JobRun) string {
	if jr.By != "" {
		return jr.By
	}
	return Requester
}

func failedHosts(res sshexec.FanoutResult) []string {
	var out []string
	for _, r := range res.Results {
		if !r.OK() {
			out = append(out, r.Target.Name)
		}
	}
	return out
}
