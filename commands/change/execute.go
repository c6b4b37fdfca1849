package change

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"opsbot/bot"
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
