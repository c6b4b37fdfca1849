package change

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
)

// execute runs an approved change now and says how it ended. The
// approved→running transition is atomic in Redis, so of all callers
// racing here (approvers clicking together, replicas) exactly one runs
// it; the others return at once.
func (s *Service) execute(ctx context.Context, id string) string {
	ok, err := s.claim(ctx, id)
	if err != nil {
		return "it could not be started, the state store is unavailable"
	}
	if !ok {
		c, err := s.st.get(ctx, id)
		if err != nil {
			return "it is already running or done"
		}
		return "it is already " + c.State
	}
	return s.run(ctx, id)
}

// claim moves id from approved to running; ok is false when another
// caller did first.
func (s *Service) claim(ctx context.Context, id string) (bool, error) {
	ok, _, err := s.st.transition(ctx, id, StateApproved, StateRunning, "started", strconv.FormatInt(s.now().Unix(), 10))
	if err != nil {
		s.log.Error("start change", "change", id, "err", err)
		return false, err
	}
	if ok {
		s.met.event(eventStarted)
	}
	return ok, nil
}

// run carries out a claimed change: hosts silenced, the command on every
// host bounded by run_timeout, results in the thread, the message updated.
func (s *Service) run(ctx context.Context, id string) string {
	start := time.Now() // the run's wall time, whatever the desk's clock says
	// Reporting must outlive a run cut short by its timeout.
	report := context.WithoutCancel(ctx)
	ctx, cancel := context.WithTimeout(ctx, s.pol.runTimeout)
	defer cancel()
	c := s.refresh(report, id)
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
	ctx = report
	output := actions.HostReport(res)
	if err := actions.PostOutput(ctx, s.d.Chat, c.Channel, c.TS, strings.ToLower(c.ID)+"-output.txt", c.ID+" output", output); err != nil {
		s.log.Warn("post change output", "change", c.ID, "err", err)
	}
	if ok, cur, err := s.st.transition(ctx, c.ID, StateRunning, outcome, "result", summary, "progress", ""); err != nil {
		s.log.Error("finish change", "change", c.ID, "err", err)
	} else if !ok {
		s.log.Warn("finish change: it was no longer running", "change", c.ID, "state", cur)
	} else {
		s.met.event(outcome)
	}
	s.met.ran(time.Since(start), res) // the hosts ran, whoever recorded the end
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
