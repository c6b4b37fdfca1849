package change

import (
	"context"
	"fmt"
	"strings"

	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
)

// execute runs an approved change. The approved→running transition is
// atomic in Redis, so of all callers racing here (approvers clicking
// together, replicas) exactly one runs it; the others return at once.
func (s *Service) execute(ctx context.Context, id string) string {
	ok, cur, err := s.st.transition(ctx, id, StateApproved, StateRunning)
	if err != nil {
		s.log.Error("start change", "change", id, "err", err)
		return "it could not be started, the state store is unavailable"
	}
	if !ok {
		return "it is already " + cur
	}
	c := s.refresh(ctx, id)
	if c == nil {
		return "it could not be loaded"
	}
	s.record(ctx, c.DecidedBy, "change.execute", c.title(), "started")
	if s.d.Silencer != nil {
		sid, err := s.d.Silencer.SilenceHosts(ctx, hostNames(c), s.pol.silenceFor, c.ID+" "+c.describe())
		note := "Alerts on these hosts are silenced for " + s.pol.silenceFor.String() + " (silence " + sid + ")."
		if err != nil {
			s.log.Warn("silence hosts", "change", c.ID, "err", err)
			note = "Could not silence alerts on these hosts: " + err.Error()
		}
		s.thread(ctx, c, note)
	}
	targets := make([]sshexec.Target, len(c.Hosts))
	for i, h := range c.Hosts {
		targets[i] = h.Target()
	}
	label := c.ID + " " + c.describe()
	every := actions.ProgressEvery(len(targets))
	opts := s.fanout()
	opts.Progress = func(done, total, failed int, _ sshexec.Result) {
		if done%every != 0 && done != total {
			return
		}
		c.Progress = actions.ProgressLine(label, done, total, failed)
		if err := s.st.setFields(ctx, c.ID, "progress", c.Progress); err != nil {
			s.log.Warn("save progress", "change", c.ID, "err", err)
		}
		if err := s.d.Chat.Update(ctx, c.Channel, c.TS, c.message(s.pol.approvals)); err != nil {
			s.log.Warn("update progress", "change", c.ID, "err", err)
		}
	}
	res := s.d.Runner.RunMany(ctx, targets, sshexec.Command{Argv: c.Argv}, opts)
	outcome := actions.Outcome(res)
	summary := actions.Summary(res)
	report := actions.HostReport(res)
	if err := actions.PostOutput(ctx, s.d.Chat, c.Channel, c.TS, strings.ToLower(c.ID)+"-output.txt", c.ID+" output", report); err != nil {
		s.log.Warn("post change output", "change", c.ID, "err", err)
	}
	if len(report) > actions.MaxInline {
		s.thread(ctx, c, "Output is long; it is attached as a file. "+summary)
	}
	if _, _, err := s.st.transition(ctx, c.ID, StateRunning, outcome, "result", summary, "progress", ""); err != nil {
		s.log.Error("finish change", "change", c.ID, "err", err)
	}
	s.record(ctx, c.DecidedBy, "change.execute", c.ID+": "+summary, outcome)
	s.refresh(ctx, c.ID)
	return fmt.Sprintf("%s (%s)", strings.ReplaceAll(outcome, "_", " "), summary)
}

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
