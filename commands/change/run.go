package change

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"opsbot/bot/blocks"
	"opsbot/commands/actions"
	"opsbot/commands/runner"
	"opsbot/integrations/sshexec"
)

// finishWithin bounds the retries of a run's last writes to Redis: a
// minute, or run_timeout when shorter, so the sweep of interrupted runs
// (run_timeout plus a minute) never races a run that is still finishing.
func (s *Service) finishWithin() time.Duration { return min(time.Minute, s.pol.runTimeout) }

// run carries out a claimed change: hosts silenced, the command on every
// host bounded by run_timeout, results in the thread, the message updated.
// ctx is the run's own (see start). The outcome is written with retries,
// so a Redis blip at the end does not lose "succeeded on 3 hosts".
func (s *Service) run(report context.Context, id string) string {
	start := time.Now() // the run's wall time, whatever the desk's clock says
	var c *Change
	err := s.persist(report, "load "+id+" for its run", s.finishWithin(), func(ctx context.Context) error {
		got, err := s.st.get(ctx, id)
		if errors.Is(err, errNoChange) {
			return nil
		}
		c = got
		return err
	})
	if err != nil || c == nil {
		return "it could not be loaded from the state store; the sweep marks it interrupted"
	}
	s.update(report, c)
	ctx, cancel := context.WithTimeout(report, s.pol.runTimeout)
	defer cancel()
	if s.d.Silencer != nil {
		sid, err := s.d.Silencer.SilenceHosts(ctx, hostNames(c), s.pol.silenceFor, c.ID+" "+c.describe())
		note := "Alerts on these hosts are silenced for " + s.pol.silenceFor.String() + " (silence " + blocks.Escape(sid) + ")."
		if err != nil {
			s.log.Warn("silence hosts", "change", c.ID, "err", err)
			note = "Could not silence alerts on these hosts: " + blocks.Escape(err.Error())
		}
		s.thread(ctx, c, note)
	}
	targets := make([]sshexec.Target, len(c.Hosts))
	for i, h := range c.Hosts {
		targets[i] = h.Target()
	}
	res := s.runner.Run(ctx, runner.Job{Label: c.ID + " " + c.describe(), Targets: targets, Command: sshexec.Command{Argv: c.Argv},
		Policy: s.pol.rollout, User: c.DecidedBy, Action: "change.execute", Detail: c.title(),
		Channel: c.Channel, Thread: c.TS, File: strings.ToLower(c.ID) + "-output.txt", Title: c.ID + " output",
		// Progress redraws the card, and is kept for any replica to redraw.
		Progress: func(ctx context.Context, line string) {
			c.Progress = blocks.Unescape(line)
			if err := s.st.setFields(ctx, c.ID, "progress", c.Progress); err != nil {
				s.log.Warn("save progress", "change", c.ID, "err", err)
			}
			s.update(ctx, c)
		}})
	ctx = report
	s.finish(ctx, c, res.Outcome, res.Summary)
	s.met.ran(time.Since(start), res.FanoutResult) // the hosts ran, whoever recorded the end
	s.refresh(ctx, c.ID)
	return fmt.Sprintf("%s (%s)", strings.ReplaceAll(res.Outcome, "_", " "), res.Summary)
}

// finish records how c's run ended, retrying while Redis does not answer.
func (s *Service) finish(ctx context.Context, c *Change, outcome, summary string) {
	var ok bool
	var cur string
	err := s.persist(ctx, "finish change "+c.ID, s.finishWithin(), func(ctx context.Context) error {
		var err error
		ok, cur, err = s.st.transition(ctx, c.ID, StateRunning, outcome, "result", summary, "progress", "")
		return err
	})
	switch {
	case err != nil:
		s.log.Error("finish change: the state store did not answer; the sweep will mark it interrupted", "change", c.ID, "outcome", outcome, "err", err)
	case ok:
		s.met.event(outcome)
	case cur == outcome:
		// An earlier attempt was applied but its answer lost.
	default:
		s.log.Warn("finish change: it was no longer running", "change", c.ID, "state", cur)
	}
}

// failPanicked marks a run that panicked failed, so it does not sit
// "running" until the sweep finds it interrupted.
func (s *Service) failPanicked(ctx context.Context, id string, cause error) {
	why := "internal error: opsbot failed during the run (logged); check the hosts"
	var ok bool
	err := s.persist(ctx, "fail change "+id+" after a panic", s.finishWithin(), func(ctx context.Context) error {
		var err error
		ok, _, err = s.st.transition(ctx, id, StateRunning, StateFailed, "result", why, "progress", "")
		return err
	})
	if err != nil || !ok {
		return
	}
	s.met.event(StateFailed)
	s.record(ctx, "", "change.execute", id+": "+why+" ("+cause.Error()+")", StateFailed)
	s.refresh(ctx, id)
}

// update shows c as it is in memory on its message.
func (s *Service) update(ctx context.Context, c *Change) {
	if c.TS == "" {
		return
	}
	if err := s.d.Chat.Update(ctx, c.Channel, c.TS, s.message(c)); err != nil {
		s.log.Warn("update change message", "change", c.ID, "err", err)
	}
}

// thread posts text, Slack text, in c's thread.
func (s *Service) thread(ctx context.Context, c *Change, text string) {
	if err := actions.PostOutput(ctx, s.d.Chat, c.Channel, c.TS, "note.txt", "note", text); err != nil {
		s.log.Warn("post in change thread", "change", c.ID, "err", err)
	}
}

func hostNames(c *Change) []string {
	out := make([]string, len(c.Hosts))
	for i, h := range c.Hosts {
		out[i] = h.Name
	}
	return out
}
