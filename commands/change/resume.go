package change

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// stalledAfter is how long past its due time an approved change may wait
// for its run to start before the sweep takes it up. The run starts within
// moments of the final approval, or at its window's start by the step
// loop; past this, opsbot stopped in between or the step was never
// scheduled.
const stalledAfter = time.Minute

// SweepStalled takes up approved changes whose run should have started
// more than a minute ago and did not: opsbot stopped between the final
// approval and the run, or the window's step could not be scheduled. One
// still inside its window, or approved no longer ago than the request
// expiry, is started (exactly once: it is claimed approved→running like
// any run) with a note in its thread; one whose window has ended, or
// whose approval is older than that, expires with a message saying why.
// It returns how many it started or expired. The app calls it at start
// and then periodically.
func (s *Service) SweepStalled(ctx context.Context) (int, error) {
	now := s.now()
	ids, err := s.st.dueBy(ctx, now.Add(-stalledAfter))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if errors.Is(err, errNoChange) || (err == nil && c.State != StateApproved) {
			if err := s.st.unindex(ctx, id); err != nil {
				return n, err
			}
			continue
		}
		if err != nil {
			s.log.Warn("load stalled change", "change", id, "err", err)
			continue
		}
		done, err := s.takeUp(ctx, c, now)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// takeUp starts or expires stalled c; it reports whether it did either
// (false when another caller claimed it first).
func (s *Service) takeUp(ctx context.Context, c *Change, now time.Time) (bool, error) {
	if c.scheduled() {
		if !now.Before(c.WindowEnd) {
			return true, s.expireMissed(ctx, c)
		}
		note := fmt.Sprintf("Resuming %s after a restart: its run did not start when its window opened (opsbot was down, or could not schedule it). Starting it now, inside its window %s.",
			c.ID, c.windowText())
		return s.resume(ctx, c, note)
	}
	approvedAt := c.Approved.UTC().Format("2006-01-02 15:04 MST")
	if now.Sub(c.Approved) > s.pol.expiry {
		why := fmt.Sprintf("not run: approved at %s, but opsbot stopped before starting it, and an approval older than %s is not acted on unattended; request it again",
			approvedAt, s.pol.expiry)
		ok, _, err := s.st.transition(ctx, c.ID, StateApproved, StateExpired, "result", why)
		if err != nil || !ok {
			return false, err
		}
		s.met.event(StateExpired)
		s.record(ctx, "", "change.expire", c.ID+": "+why, "ok")
		s.thread(ctx, c, c.ID+" was "+why+".")
		s.refresh(ctx, c.ID)
		return true, nil
	}
	note := fmt.Sprintf("Resuming %s after a restart: it was approved at %s but its run never started (opsbot stopped in between). Starting it now.", c.ID, approvedAt)
	return s.resume(ctx, c, note)
}

// resume claims and starts c in the background with note in its thread.
func (s *Service) resume(ctx context.Context, c *Change, note string) (bool, error) {
	ok, err := s.startBeside(ctx, c, note)
	if err != nil {
		return false, fmt.Errorf("resume %s: %w", c.ID, err)
	}
	if ok {
		s.record(ctx, "", "change.resume", c.ID+": its run had not started", "ok")
	}
	return ok, nil
}
