package change

import (
	"context"
	"errors"
	"fmt"
	"time"

	"opsbot/bot/blocks"
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
// (false when another caller claimed it first, or a freeze holds it).
func (s *Service) takeUp(ctx context.Context, c *Change, now time.Time) (bool, error) {
	if c.scheduled() && !now.Before(c.WindowEnd) {
		return true, s.expireMissed(ctx, c)
	}
	why := s.whyUnstarted(c)
	approvedAt := s.clock(c.Approved)
	if !c.scheduled() && now.Sub(c.Approved) > s.pol.expiry {
		cause := "opsbot stopped before starting it"
		if why != "" {
			cause = "its run could not be started then (" + why + ")"
		}
		return s.expireApproved(ctx, c, fmt.Sprintf("not run: approved at %s, but %s, and an approval older than %s is not acted on unattended; request it again",
			approvedAt, cause, s.pol.expiry), true)
	}
	if ok, err := s.checkFreeze(ctx, c, now); !ok || err != nil {
		return false, err
	}
	var note string
	switch {
	case c.Hold != "":
		note = fmt.Sprintf("Freeze %q is over; starting %s now.", blocks.Escape(c.Hold), c.ID)
		if c.scheduled() {
			note = fmt.Sprintf("Freeze %q is over; starting %s now, inside its window %s.", blocks.Escape(c.Hold), c.ID, c.windowText())
		}
	case why != "":
		note = fmt.Sprintf("Starting %s now: its run could not be started at its final approval at %s (%s).", c.ID, approvedAt, blocks.Escape(why))
	case c.scheduled():
		note = fmt.Sprintf("Resuming %s after a restart: its run did not start when its window opened (opsbot was down, or could not schedule it). Starting it now, inside its window %s.",
			c.ID, c.windowText())
	default:
		note = fmt.Sprintf("Resuming %s after a restart: it was approved at %s but its run never started (opsbot stopped in between). Starting it now.", c.ID, approvedAt)
	}
	return s.resume(ctx, c, note)
}

// whyUnstarted is why c's final approval could not start its run, when
// known (in Redis, or to this replica).
func (s *Service) whyUnstarted(c *Change) string {
	if c.StartError != "" {
		return c.StartError
	}
	if v, ok := s.unstarted.Load(c.ID); ok {
		return v.(string)
	}
	return ""
}

// resume claims and starts c in the background with note in its thread.
func (s *Service) resume(ctx context.Context, c *Change, note string) (bool, error) {
	done, err := s.start(ctx, c, note)
	if err != nil {
		return false, fmt.Errorf("resume %s: %w", c.ID, err)
	}
	if done != nil {
		s.record(ctx, "", "change.resume", c.ID+": its run had not started", "ok")
	}
	return done != nil, nil
}
