package change

import (
	"context"
	"errors"
	"fmt"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// stepRun is the step-loop kind that runs an approved change at its window.
const stepRun = "change.run"

// interrupted is the result of a run that opsbot stopped in the middle of.
const interrupted = "interrupted: opsbot stopped during the run; check the hosts"

// window reads r's "at" and "for" in the desk's time zone. A window must
// not have ended yet; zero times mean "at once".
func (s *Service) window(r Request) (start, end time.Time, err error) {
	if r.At == "" {
		return time.Time{}, time.Time{}, nil
	}
	if s.d.Steps == nil {
		return start, end, bot.Errorf(bot.CodeInvalid, "this opsbot cannot schedule changes; leave out the window")
	}
	start, err = time.ParseInLocation("2006-01-02 15:04", r.At, s.pol.loc)
	if err != nil {
		return start, end, bot.Errorf(bot.CodeInvalid, "%q is not a window start; write it as `at 2026-12-02 02:00` (%s)", r.At, s.pol.loc)
	}
	length := r.For
	if length == 0 {
		length = s.pol.windowLength
	}
	if length > 24*time.Hour {
		return start, end, bot.Errorf(bot.CodeInvalid, "a window may last at most 24h, not %s", length)
	}
	end = start.Add(length)
	if !end.After(s.now()) {
		return start, end, bot.Errorf(bot.CodeInvalid, "the window %s has already ended", windowText(start, end))
	}
	return start, end, nil
}

// windowText is "2026-12-02 02:00–03:00 UTC", in the zone of start.
func windowText(start, end time.Time) string {
	end = end.In(start.Location())
	if end.YearDay() == start.YearDay() && end.Year() == start.Year() {
		return start.Format("2006-01-02 15:04") + "–" + end.Format("15:04 MST")
	}
	return start.Format("2006-01-02 15:04") + " – " + end.Format("2006-01-02 15:04 MST")
}

// schedule makes c's run a step at its window's start.
func (s *Service) schedule(ctx context.Context, c *Change) error {
	if s.d.Steps == nil {
		return errors.New("no step loop to schedule with")
	}
	return s.d.Steps.Schedule(ctx, stepRun, c.ID, c.WindowStart, "")
}

// Steps returns the handlers of this desk's loop steps by kind.
func (s *Service) Steps() map[string]func(ctx context.Context, id, payload string) error {
	return map[string]func(context.Context, string, string) error{stepRun: s.runAtWindow}
}

// runAtWindow runs an approved change whose window has come. Of every
// replica and retry reaching here, the approved→running transition lets
// exactly one run it. A window that ended while opsbot was down is not
// run late: the change expires as "window missed". A freeze holds the run
// back (see mayStart).
func (s *Service) runAtWindow(ctx context.Context, id, _ string) error {
	c, err := s.st.get(ctx, id)
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.State != StateApproved {
		return nil // cancelled, or already run
	}
	now := s.now()
	if !now.Before(c.WindowEnd) {
		return s.expireMissed(ctx, c)
	}
	if now.Before(c.WindowStart) {
		return s.schedule(ctx, c) // early; come back at the start
	}
	if ok, err := s.checkFreeze(ctx, c, now); !ok || err != nil {
		return err
	}
	note := ""
	if c.Hold != "" {
		note = fmt.Sprintf("Freeze %q is over; starting %s now, inside its window %s.", blocks.Escape(c.Hold), c.ID, c.windowText())
	}
	_, err = s.start(ctx, c, note)
	return err // stopping: the loop retries the step, after the restart
}

// expireMissed expires approved c whose window has ended: it is not run late.
func (s *Service) expireMissed(ctx context.Context, c *Change) error {
	_, err := s.expireApproved(ctx, c, "window missed: opsbot was not running during "+c.windowText()+"; request it again", false)
	return err
}

// expireApproved expires approved c with why as its result, saying so in
// its thread when say is set; ok is false when c was no longer approved.
func (s *Service) expireApproved(ctx context.Context, c *Change, why string, say bool) (bool, error) {
	ok, _, err := s.st.transition(ctx, c.ID, StateApproved, StateExpired, "result", why, "hold", "")
	if err != nil || !ok {
		return false, err
	}
	s.met.event(StateExpired)
	s.record(ctx, "", "change.expire", c.ID+": "+why, "ok")
	if say {
		s.thread(ctx, c, c.ID+" was "+blocks.Escape(why)+".")
	}
	s.refresh(ctx, c.ID)
	return true, nil
}

// checkFreeze reports whether approved c's run may start at now. When a
// freeze holds it back, the run waits for the freeze's end (the step and
// the approved index move there, and the card and thread say so once) or
// c expires, saying why; either way checkFreeze reports false.
func (s *Service) checkFreeze(ctx context.Context, c *Change, now time.Time) (bool, error) {
	chk := s.mayStart(c, now)
	switch {
	case chk.run:
		return true, nil
	case chk.expire != "":
		_, err := s.expireApproved(ctx, c, chk.expire, true)
		return false, err
	}
	if c.scheduled() && s.d.Steps != nil {
		if err := s.d.Steps.Schedule(ctx, stepRun, c.ID, chk.until, ""); err != nil {
			return false, err
		}
	}
	if err := s.st.reindex(ctx, c.ID, chk.until); err != nil {
		return false, err
	}
	if c.Hold == chk.freeze && c.HoldUntil.Equal(chk.until) {
		return false, nil // said already
	}
	if err := s.st.setFields(ctx, c.ID, "hold", chk.freeze, "hold_until", chk.until.Unix()); err != nil {
		return false, err
	}
	note := fmt.Sprintf("%s does not start yet: changes are frozen (freeze %q) until %s. It runs when the freeze ends.", c.ID, blocks.Escape(chk.freeze), s.clock(chk.until))
	if c.scheduled() {
		note = fmt.Sprintf("%s does not start yet: its window falls in freeze %q, which lasts until %s. It waits for the freeze to end and runs then, inside its window %s.",
			c.ID, blocks.Escape(chk.freeze), s.clock(chk.until), c.windowText())
	}
	s.record(ctx, "", "change.hold", c.ID+": held by freeze "+chk.freeze+" until "+s.clock(chk.until), "ok")
	s.thread(ctx, c, note)
	s.refresh(ctx, c.ID)
	return false, nil
}

// SweepInterrupted marks failed every change still running longer than
// run_timeout (plus a minute) after it started: opsbot stopped during its
// run. The app calls it at start and then periodically.
func (s *Service) SweepInterrupted(ctx context.Context) (int, error) {
	ids, err := s.st.running(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if err != nil || c.State != StateRunning || s.now().Before(c.Started.Add(s.pol.runTimeout+time.Minute)) {
			continue
		}
		ok, _, err := s.st.transition(ctx, id, StateRunning, StateFailed, "result", interrupted, "progress", "")
		if err != nil {
			return n, err
		}
		if ok {
			n++
			s.met.event(StateFailed)
			s.record(ctx, "", "change.execute", c.ID+": "+interrupted, StateFailed)
			s.thread(ctx, c, fmt.Sprintf("%s was still running %s after it started: %s.", c.ID, s.now().Sub(c.Started).Round(time.Minute), interrupted))
			s.refresh(ctx, id)
		}
	}
	return n, nil
}
