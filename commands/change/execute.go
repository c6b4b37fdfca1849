package change

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/commands/actions"
	"opsbot/integrations/sshexec"
)

// errStopping: the desk is stopping and starts no more runs.
var errStopping = errors.New("opsbot is stopping; the run starts after the restart")

// start claims approved c (approved→running: of every caller racing here,
// approvers clicking together or replicas, exactly one wins) and runs it
// in the background. The run belongs to opsbot, not to the request, step
// or sweep that started it: it goes on in a context of its own, bounded
// by run_timeout, and a stop waits for it (Wait). note, if set, is posted
// in its thread first. The channel yields how the run ended; it is nil
// when another caller claimed c first.
func (s *Service) start(ctx context.Context, c *Change, note string) (<-chan string, error) {
	if !s.runs.Enter() {
		return nil, errStopping
	}
	rctx := context.WithoutCancel(ctx)
	ok, err := s.claim(rctx, c.ID)
	if err != nil || !ok {
		s.runs.Done()
		return nil, err
	}
	out := make(chan string, 1)
	go func() {
		defer s.runs.Done()
		result := "it stopped on an internal error (logged); check the hosts"
		defer func() { out <- result }()
		defer s.d.Panics.Recover("change.run", func(err error) { s.failPanicked(rctx, c.ID, err) })
		if note != "" {
			s.thread(rctx, c, note)
		}
		result = s.run(rctx, c.ID)
	}()
	return out, nil
}

// execute starts approved id's run and waits for it while ctx lasts; it
// says how the run went, or why it did not start.
func (s *Service) execute(ctx context.Context, id string) string {
	c, err := s.st.get(ctx, id)
	if err != nil {
		return "it could not be loaded: the state store is unavailable"
	}
	done, err := s.start(ctx, c, "")
	switch {
	case err != nil:
		return "it could not be started: " + err.Error()
	case done == nil:
		return s.already(ctx, id)
	}
	select {
	case res := <-done:
		return res
	case <-ctx.Done():
		return "it is running"
	case <-s.runs.Stopping():
		return "it is running; opsbot is stopping and lets it finish first"
	}
}

// already says what became of a change another caller claimed first.
func (s *Service) already(ctx context.Context, id string) string {
	c, err := s.st.get(ctx, id)
	if err != nil {
		return "it is already running or done"
	}
	return "it is already " + strings.ReplaceAll(c.State, "_", " ")
}

// runNow starts approved c's run for its final approver by user and
// waits for its end while ctx lasts (the answer to the click); the run
// goes on if ctx ends first.
func (s *Service) runNow(ctx context.Context, c *Change, user string) (string, error) {
	done, err := s.start(ctx, c, "")
	switch {
	case errors.Is(err, errStopping):
		return fmt.Sprintf("You approved %s, but opsbot is stopping, so its run starts after the restart: the change sweep starts it within about two minutes.", c.ID), nil
	case err != nil:
		return "", s.startFailed(ctx, c, user, err)
	case done == nil:
		return fmt.Sprintf("You approved %s; %s.", c.ID, s.already(ctx, c.ID)), nil
	}
	select {
	case res := <-done:
		return fmt.Sprintf("You approved %s; it ran: %s.", c.ID, res), nil
	case <-ctx.Done():
		return fmt.Sprintf("You approved %s; it is running: progress is on its card, per-host output will be in its thread.", c.ID), nil
	case <-s.runs.Stopping():
		return fmt.Sprintf("You approved %s; it is running, and opsbot, which is stopping, lets it finish first: progress is on its card, per-host output will be in its thread.", c.ID), nil
	}
}

// unstartedReason is why a run could not start at its final approval.
const unstartedReason = "the state store was unavailable"

// startFailed tells the approver the truth when the state store failed
// between the final approval and the run's start: the change stays
// approved, and the sweep starts it once Redis answers. Why is kept (in
// memory at once, in Redis when it answers) so the sweep can say it.
func (s *Service) startFailed(ctx context.Context, c *Change, user string, err error) error {
	s.log.Error("start change run after its final approval", "change", c.ID, "err", err)
	s.unstarted.Store(c.ID, unstartedReason)
	s.record(ctx, user, "change.start", c.ID+": approved, but the run could not be started: "+unstartedReason, "error")
	if s.runs.Enter() {
		go func() {
			defer s.runs.Done()
			err := s.persist(s.life, "record why "+c.ID+"'s run did not start", s.pol.expiry, func(ctx context.Context) error {
				return s.st.setFields(ctx, c.ID, "start_error", unstartedReason)
			})
			if err != nil {
				s.log.Warn("why a change run did not start is known to this replica only", "change", c.ID, "err", err)
			}
		}()
	}
	return bot.Errorf(bot.CodeUnavailable, "%s is approved, but its run could not be started: the state store is unavailable. The change sweep starts it within about two minutes of the state store answering again (unless its approval is older than %s by then); to stop it, its requester or an admin can `change cancel %s`.",
		c.ID, s.pol.expiry, c.ID)
}

// claim moves id from approved to running; ok is false when another
// caller did first.
func (s *Service) claim(ctx context.Context, id string) (bool, error) {
	ok, _, err := s.st.transition(ctx, id, StateApproved, StateRunning, "started", strconv.FormatInt(s.now().Unix(), 10), "hold", "")
	if err != nil {
		return false, err // the caller says what it means (startFailed, the loop, the sweep)
	}
	if ok {
		s.met.event(eventStarted)
		s.unstarted.Delete(id)
	}
	return ok, nil
}

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
	s.record(ctx, c.DecidedBy, "change.execute", c.title(), "started")
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
		s.update(ctx, c)
	}
	res := s.d.Runner.RunMany(ctx, targets, sshexec.Command{Argv: c.Argv}, opts)
	outcome := actions.Outcome(res)
	summary := actions.Summary(res)
	ctx = report
	if err := actions.PostReport(ctx, s.d.Chat, c.Channel, c.TS, strings.ToLower(c.ID)+"-output.txt", c.ID+" output", res); err != nil {
		s.log.Warn("post change output", "change", c.ID, "err", err)
	}
	s.finish(ctx, c, outcome, summary)
	s.met.ran(time.Since(start), res) // the hosts ran, whoever recorded the end
	s.record(ctx, c.DecidedBy, "change.execute", c.ID+": "+summary, outcome)
	s.refresh(ctx, c.ID)
	return fmt.Sprintf("%s (%s)", strings.ReplaceAll(outcome, "_", " "), summary)
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
