// Package runner is the one way remote work fans out: a command on many
// hosts in rolling batches (the rollout policy: concurrency, batch size,
// stop thresholds, a gate between batches), one progress message updated
// in place, the per-host report in its thread, and the audit trail at the
// start and the end. Changes, service commands and every later domain
// that runs something on hosts (scheduled runbooks, patch rollouts,
// drift scans) run through it.
package runner

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
	"opsbot/integrations/sshexec"
)

// Exec runs one command on many hosts at once; *sshexec.Executor is one.
// The runner gives it one batch at a time.
type Exec interface {
	RunMany(ctx context.Context, targets []sshexec.Target, cmd sshexec.Command, opts sshexec.FanoutOptions) sshexec.FanoutResult
}

// Auditor records what was run; *audit.Log is one.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// reportTimeout bounds the report of a run that was cut off.
const reportTimeout = 30 * time.Second

// Runner runs Jobs.
type Runner struct {
	exec  Exec
	chat  actions.Chat
	audit Auditor
	log   *slog.Logger
}

// New returns a runner over exec, reporting through chat and audit.
func New(exec Exec, chat actions.Chat, audit Auditor, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{exec: exec, chat: chat, audit: audit, log: log}
}

// Job is one remote run.
type Job struct {
	// Label names the run for people: "nginx restart", "CHG-7 restart nginx".
	Label   string
	Targets []sshexec.Target
	Command sshexec.Command
	Policy  Policy

	// User and Action are audited at the start and the end
	// ("service.restart", "change.execute"); Detail at the start.
	User, Action, Detail string

	// Channel and Thread are where the report goes: the per-host output
	// in Thread's thread. With no Progress func, Thread is the runner's
	// own progress message (see Open), updated in place.
	Channel, Thread string
	// Progress, when set, shows progress lines instead of the progress
	// message (the change desk redraws its card).
	Progress func(ctx context.Context, line string)
	// Gate, when set, runs after each batch but the last; an error stops
	// the run there, as a threshold does, with the error as the reason.
	Gate func(ctx context.Context, batch int, sofar sshexec.FanoutResult) error
	// File and Title name the report when it is too long to post and
	// goes up as a file (defaults: the label with dashes, ".txt"; the
	// label and "output").
	File, Title string
}

// Result is how a Job ended.
type Result struct {
	sshexec.FanoutResult
	// Outcome is succeeded, failed or partially_failed.
	Outcome string
	// Summary is "3 succeeded, 1 failed, 0 skipped in 2.1s (stopped: …)".
	Summary string
	// Final is the last progress line, as Slack text.
	Final string
}

// Open posts j's progress message ("nginx restart: 0/3 hosts, 0 failed")
// in j.Channel (in j.Thread's thread, if set) and returns j with Thread
// set to it, so that Run updates it and reports in its thread.
func (r *Runner) Open(ctx context.Context, j Job) (Job, error) {
	line := blocks.Escape(actions.ProgressLine(j.Label, 0, len(j.Targets), 0))
	ts, err := r.chat.Post(ctx, bot.Message{Channel: j.Channel, Thread: j.Thread, Text: line})
	if err != nil {
		return j, fmt.Errorf("post progress of %s: %w", j.Label, err)
	}
	j.Thread = ts
	return j, nil
}

// Run runs j to its end (or ctx's): audited, in batches by j.Policy, with
// progress shown about twenty times, the final line, and the per-host
// report in the thread. Reporting failures are logged, not returned: the
// hosts ran whatever the chat said.
func (r *Runner) Run(ctx context.Context, j Job) Result {
	r.record(ctx, j.User, j.Action, j.Detail, "started")
	total := len(j.Targets)
	every := actions.ProgressEvery(total)
	show := func(ctx context.Context, line string) {
		if j.Progress != nil {
			j.Progress(ctx, line)
			return
		}
		if err := r.chat.Update(ctx, j.Channel, j.Thread, bot.Message{Text: line}); err != nil {
			r.log.Warn("update progress", "run", j.Label, "err", err)
		}
	}
	res := r.rollout(ctx, j, func(done, failed int) {
		if done%every == 0 && done != total {
			show(ctx, blocks.Escape(actions.ProgressLine(j.Label, done, total, failed)))
		}
	})
	// The report must go out even when the run was cut off by its
	// timeout or a stop: it says what happened on the hosts.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	out := Result{FanoutResult: res, Outcome: actions.Outcome(res), Summary: actions.Summary(res)}
	out.Final = blocks.Escape(actions.ProgressLine(j.Label, res.Succeeded+res.Failed, total, res.Failed) +
		" · " + strings.ReplaceAll(out.Outcome, "_", " ") + " (" + out.Summary + ")")
	show(ctx, out.Final)
	file := j.File
	if file == "" {
		file = strings.ReplaceAll(j.Label, " ", "-") + ".txt"
	}
	title := j.Title
	if title == "" {
		title = j.Label + " output"
	}
	if err := actions.PostReport(ctx, r.chat, j.Channel, j.Thread, file, title, res); err != nil {
		r.log.Warn("post output", "run", j.Label, "err", err)
	}
	r.record(ctx, j.User, j.Action, strings.TrimSpace(j.Detail+": "+out.Summary), out.Outcome)
	return out
}

// rollout runs j's command batch by batch, checking the thresholds and
// the gate between batches; progress is told each host done.
func (r *Runner) rollout(ctx context.Context, j Job, progress func(done, failed int)) sshexec.FanoutResult {
	start := time.Now()
	n := len(j.Targets)
	res := sshexec.FanoutResult{Results: make([]sshexec.Result, 0, n)}
	size := j.Policy.BatchSize
	if size <= 0 || size > n {
		size = n
	}
	batch := 0
	for first := 0; first < n; first += size {
		reason := j.Policy.stopReason(res.Succeeded+res.Failed, res.Failed)
		if reason == "" && batch > 0 && j.Gate != nil {
			if err := j.Gate(ctx, batch, res); err != nil {
				reason = err.Error()
			}
		}
		if reason == "" && ctx.Err() != nil {
			reason = "cancelled: " + ctx.Err().Error()
		}
		if reason != "" {
			skip(&res, j.Targets[first:], reason)
			break
		}
		last := min(first+size, n)
		done := res.Succeeded + res.Failed
		part := r.exec.RunMany(ctx, j.Targets[first:last], j.Command, sshexec.FanoutOptions{Concurrency: j.Policy.Concurrency,
			Progress: func(d, _, failed int, _ sshexec.Result) { progress(done+d, res.Failed+failed) }})
		res.Results = append(res.Results, part.Results...)
		res.Succeeded += part.Succeeded
		res.Failed += part.Failed
		res.Skipped += part.Skipped
		if part.Stopped {
			res.Stopped, res.StopReason = true, part.StopReason
		}
		batch++
	}
	res.Duration = time.Since(start)
	return res
}

// skip reports targets as not run, for reason.
func skip(res *sshexec.FanoutResult, targets []sshexec.Target, reason string) {
	res.Stopped, res.StopReason = true, reason
	for _, t := range targets {
		name := t.Name
		if name == "" {
			name = t.Address
		}
		res.Results = append(res.Results, sshexec.Result{Target: t, ExitStatus: -1,
			Err: fmt.Errorf("%s: %w: %s", name, sshexec.ErrSkipped, reason)})
		res.Skipped++
	}
}

func (r *Runner) record(ctx context.Context, user, action, detail, outcome string) {
	if r.audit == nil || action == "" {
		return
	}
	if err := r.audit.Record(ctx, audit.Entry{User: user, Action: action, Detail: detail, Outcome: outcome}); err != nil {
		r.log.Warn("audit record failed", "action", action, "err", err)
	}
}
