package change

import (
	"fmt"
	"time"
)

// A freeze blocks starting runs, not only approving: a run may start in a
// freeze only on an emergency approval given in that same freeze. What a
// run held back by a freeze does depends on the change:
//   - with a window that outlasts the freeze, it waits and runs when the
//     freeze ends, still inside its window;
//   - with a window that ends inside the freeze, it expires ("window falls
//     in freeze");
//   - without a window, it waits for the freeze to end if its approval is
//     still younger than the request expiry then, else it expires;
//   - approved on an emergency whose freeze has ended, with fewer
//     approvals than the policy asks for, it expires: the emergency
//     covered only a run inside its freeze.

// maxStarts bounds the starts of one freeze walked to find when it ends,
// for a cron that fires every minute of a long freeze.
const maxStarts = 100_000

// until returns when the occurrence of f in force at t ends: its latest
// start in (t-duration, t], plus duration.
func (f freeze) until(t time.Time) time.Time {
	s := f.sched.Next(t.Add(-f.duration).In(f.loc))
	last := s
	for i := 0; i < maxStarts && !s.After(t); i++ {
		last = s
		s = f.sched.Next(s)
	}
	return last.Add(f.duration)
}

// frozenAt returns the freeze t falls in and when changes thaw: the end of
// that freeze, or of freezes that overlap or follow it without a gap.
// name is "" when t is in no freeze.
func (p *policy) frozenAt(t time.Time) (name string, until time.Time) {
	u := t
	for range 100 {
		moved := false
		for _, f := range p.freezes {
			if f.sched == nil || !f.active(u) {
				continue
			}
			if name == "" {
				name = f.name
			}
			if e := f.until(u); e.After(u) {
				u, moved = e, true
			}
		}
		if !moved {
			break
		}
	}
	if name == "" {
		return "", time.Time{}
	}
	return name, u
}

// startCheck is whether a run may start now: run, or hold it until a
// time (the freeze's end), or expire it, each with why.
type startCheck struct {
	run    bool
	freeze string    // the freeze that holds or expires it
	until  time.Time // hold: when the freeze ends
	expire string    // expire: the result to record
}

// mayStart decides whether approved c's run may start at now.
func (s *Service) mayStart(c *Change, now time.Time) startCheck {
	name, until := s.pol.frozenAt(now)
	if name == "" {
		if a, ok := c.emergency(); ok && len(c.Approvals) < s.pol.approvals {
			return startCheck{freeze: a.Freeze, expire: fmt.Sprintf("not run: approved as an emergency during freeze %q, which ended at %s before the run could start; an emergency approval covers only a run inside its freeze, and %s has %d of the %d approvals needed outside one; request it again",
				a.Freeze, s.clock(a.FrozenUntil), c.ID, len(c.Approvals), s.pol.approvals)}
		}
		return startCheck{run: true}
	}
	if a, ok := c.emergency(); ok && !a.At.After(now) && now.Before(a.FrozenUntil) {
		return startCheck{run: true} // the emergency was declared in this freeze
	}
	if c.scheduled() {
		if until.Before(c.WindowEnd) {
			return startCheck{freeze: name, until: until}
		}
		return startCheck{freeze: name, expire: fmt.Sprintf("window falls in freeze %q: changes are frozen until %s, past the end of its window %s; request it again for a later window",
			name, s.clock(until), c.windowText())}
	}
	if until.Sub(c.Approved) <= s.pol.expiry {
		return startCheck{freeze: name, until: until}
	}
	return startCheck{freeze: name, expire: fmt.Sprintf("not run: approved at %s, but freeze %q lasts until %s, and an approval older than %s is not acted on unattended; request it again",
		s.clock(c.Approved), name, s.clock(until), s.pol.expiry)}
}

// clock writes t for people in the desk's time zone.
func (s *Service) clock(t time.Time) string { return t.In(s.pol.loc).Format("2006-01-02 15:04 MST") }
