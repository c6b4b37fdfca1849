// Package jobs is the chat side of the scheduler: `jobs list`, `jobs run`,
// `jobs history`, `jobs pause` and `jobs resume`.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/suggest"
	"opsbot/jobs/scheduler"
)

// Scheduler is what the commands need of the scheduler;
// *scheduler.Scheduler is one.
type Scheduler interface {
	List(ctx context.Context) ([]scheduler.Status, error)
	History(ctx context.Context, job string, n int64) ([]scheduler.Run, error)
	RunNow(ctx context.Context, name, user string) error
	SetPaused(ctx context.Context, job string, paused bool) error
}

// Deps are the commands' collaborators.
type Deps struct {
	Scheduler Scheduler
	// Loc is the zone of the times the console shows (nil: UTC).
	Loc *time.Location
}

// Service offers the jobs commands.
type Service struct{ d Deps }

// New returns the commands.
func New(d Deps) (*Service, error) {
	if d.Scheduler == nil {
		return nil, errors.New("jobs: a scheduler is required")
	}
	return &Service{d: d}, nil
}

var (
	_ bot.CommandSet = (*Service)(nil)
	_ bot.Describer  = (*Service)(nil)
)

// Groups names the jobs verb group for help.
func (s *Service) Groups() map[string]string {
	return map[string]string{"jobs": "scheduled jobs: what runs when, how it went, run one now"}
}

// Commands returns the jobs commands.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		{Verb: "jobs list", Summary: "Scheduled jobs: schedule in its zone, next and last run, last outcome",
			Examples: []string{"jobs list"}, Role: bot.RoleViewer, Handler: s.list},
		{Verb: "jobs history", Args: "<name> [n]", Summary: "The newest n runs of a job (default 10, at most 100)",
			Examples: []string{"jobs history daily-summary", "jobs history change-sweep 30"}, Role: bot.RoleViewer, Handler: s.history},
		{Verb: "jobs run", Args: "<name>", Summary: "Run a job now, beside its schedule",
			Examples: []string{"jobs run daily-summary"}, Role: bot.RoleAdmin, Handler: s.run},
		{Verb: "jobs pause", Args: "<name>", Summary: "Skip a job's scheduled runs until it is resumed (it still runs with jobs run)",
			Examples: []string{"jobs pause log-cleanup"}, Role: bot.RoleAdmin, Handler: s.pause(true)},
		{Verb: "jobs resume", Args: "<name>", Summary: "Run a paused job on its schedule again",
			Examples: []string{"jobs resume log-cleanup"}, Role: bot.RoleAdmin, Handler: s.pause(false)},
	}
}

func (s *Service) list(ctx context.Context, _ *bot.Request) (*bot.Reply, error) {
	all, err := s.d.Scheduler.List(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if len(all) == 0 {
		return bot.Text("No scheduled jobs."), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Scheduled jobs* (%d)\n", len(all))
	for _, j := range all {
		state := ""
		if j.Paused {
			state = " · *paused*"
		}
		next := "not scheduled"
		if !j.Next.IsZero() {
			next = "next " + blocks.Date(j.Next, s.d.Loc)
		}
		last := "never ran"
		if j.Last != nil {
			last = "last " + blocks.Date(j.Last.Start, s.d.Loc) + ": " + outcome(*j.Last)
		}
		fmt.Fprintf(&b, "• *%s* `%s` (%s)%s · %s · %s", blocks.Escape(j.Name), blocks.Escape(j.Schedule), blocks.Escape(j.Zone), state, next, last)
		if j.Summary != "" {
			b.WriteString(" — " + blocks.Escape(j.Summary))
		}
		b.WriteString("\n")
	}
	return &bot.Reply{Text: strings.TrimSuffix(b.String(), "\n")}, nil
}

// outcome is a run's outcome in words, with its error and trigger.
func outcome(r scheduler.Run) string {
	t := strings.ReplaceAll(r.Outcome, "_", " ")
	if r.Error != "" {
		t += " (" + blocks.EscapeCut(r.Error, 300) + ")"
	}
	if r.By != "" {
		t += ", run by " + blocks.Mention(r.By)
	}
	if r.Missed > 0 {
		t += fmt.Sprintf(", standing in for %d missed", r.Missed)
	}
	return t
}

func (s *Service) history(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	name, err := s.name(ctx, req)
	if err != nil {
		return nil, err
	}
	n := int64(10)
	if a := req.Args.Arg(1); a != "" {
		v, err := strconv.ParseInt(a, 10, 64)
		if err != nil || v < 1 || v > 100 {
			return nil, req.Command.UsageError("n must be a number from 1 to 100, not %q", a)
		}
		n = v
	}
	runs, err := s.d.Scheduler.History(ctx, name, n)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if len(runs) == 0 {
		return bot.Text(fmt.Sprintf("%s has not run yet.", blocks.Inline(name))), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Runs of %s* (newest %d)\n", blocks.Escape(name), len(runs))
	for _, r := range runs {
		took := r.End.Sub(r.Start).Round(time.Millisecond)
		fmt.Fprintf(&b, "• %s (due %s) took %s: %s\n", blocks.Date(r.Start, s.d.Loc), blocks.Date(r.Due, s.d.Loc), took, outcome(r))
	}
	return &bot.Reply{Text: strings.TrimSuffix(b.String(), "\n")}, nil
}

func (s *Service) run(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	name, err := s.name(ctx, req)
	if err != nil {
		return nil, err
	}
	switch err := s.d.Scheduler.RunNow(ctx, name, req.UserID); {
	case errors.Is(err, scheduler.ErrRunning):
		return nil, bot.Errorf(bot.CodeConflict, "%s is running already; `jobs history %s` shows how it went once it ends", blocks.Inline(name), name)
	case err != nil:
		return nil, bot.Unavailable("the state store", err)
	}
	return bot.Text(fmt.Sprintf("Started %s; `jobs history %s` shows how it went.", blocks.Inline(name), name)), nil
}

func (s *Service) pause(paused bool) bot.Handler {
	return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
		name, err := s.name(ctx, req)
		if err != nil {
			return nil, err
		}
		if err := s.d.Scheduler.SetPaused(ctx, name, paused); err != nil {
			return nil, bot.Unavailable("the state store", err)
		}
		if paused {
			return bot.Text(fmt.Sprintf("Paused %s: its scheduled runs are skipped until `jobs resume %s`.", blocks.Inline(name), name)), nil
		}
		return bot.Text(fmt.Sprintf("Resumed %s: it runs on its schedule again.", blocks.Inline(name))), nil
	}
}

// name is the job named by the first argument; an unknown one is refused
// with the nearest names.
func (s *Service) name(ctx context.Context, req *bot.Request) (string, error) {
	name := req.Args.Arg(0)
	if name == "" {
		return "", req.Command.UsageError("name a job (see `jobs list`)")
	}
	all, err := s.d.Scheduler.List(ctx)
	if err != nil {
		return "", bot.Unavailable("the state store", err)
	}
	var names []string
	for _, j := range all {
		if j.Name == name {
			return name, nil
		}
		names = append(names, j.Name)
	}
	msg := fmt.Sprintf("there is no job %s", blocks.Inline(name))
	if near := suggest.Near(name, names, 3, 3); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return "", bot.Errorf(bot.CodeNotFound, "%s (see `jobs list`)", msg)
}
