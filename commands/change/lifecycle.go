package change

import (
	"context"
	"fmt"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/outbox"
)

// Submit records a change request and posts it with its plan and
// buttons. A request whose card cannot be posted is taken back (its
// approvers would never see it, yet it could be approved and run), and
// the requester is told why Slack refused it.
func (s *Service) Submit(ctx context.Context, d Draft) (*Change, error) {
	if d.Reason == "" {
		return nil, bot.Errorf(bot.CodeInvalid, "say why: end the request with `-- <reason>`")
	}
	now := s.now()
	p := d.Plan
	c := &Change{Action: p.Action.Name, Values: p.Values, Argv: p.Argv, Selector: d.Selector, Hosts: p.Hosts,
		Risk: p.Action.Risk, Requester: d.Requester, Reason: d.Reason, Created: now, Expires: now.Add(s.pol.expiry),
		Channel: s.pol.channel}
	if !d.WindowStart.IsZero() {
		// A change with a window may be approved until its window ends.
		c.WindowStart, c.WindowEnd, c.Zone, c.Expires = d.WindowStart, d.WindowEnd, s.pol.loc.String(), d.WindowEnd
	}
	if c.Channel == "" {
		c.Channel = d.Channel
	}
	if err := s.st.create(ctx, c); err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	ts, err := s.d.Chat.Post(ctx, s.message(c))
	if err != nil {
		s.log.Warn("post change request", "change", c.ID, "channel", c.Channel, "err", err)
		return nil, s.notPosted(ctx, c, err)
	}
	c.TS = ts
	s.met.event(StateRequested)
	detail := c.title() + " — " + d.Reason
	if c.scheduled() {
		detail = c.title() + " at " + c.windowText() + " — " + d.Reason
	}
	s.record(ctx, d.Requester, "change.request", detail, "ok")
	if err := s.st.setFields(ctx, c.ID, "ts", ts); err != nil {
		// The change stands and its buttons work; its card will not
		// show later decisions.
		s.log.Warn("record the message of a change", "change", c.ID, "err", err)
	}
	return c, nil
}

// notPosted takes back c, whose card could not be posted, and tells the
// requester why, in Slack's words made advice.
func (s *Service) notPosted(ctx context.Context, c *Change, err error) error {
	where := fmt.Sprintf("I could not post it to %s, where approvers decide. %s", blocks.ChannelRef(c.Channel), outbox.Advice(err))
	if s.pol.channel != "" {
		where += " That channel is `changes.channel` in opsbot's config: an admin should fix the channel or the setting."
	}
	gone, uerr := s.st.unfile(context.WithoutCancel(ctx), c)
	switch {
	case uerr != nil:
		s.log.Error("take back a change whose card was not posted", "change", c.ID, "err", uerr)
		return &bot.Error{Code: bot.CodeUnavailable, Err: err, Message: fmt.Sprintf("%s is filed but nobody can see it: %s The state store failed as I took it back, so cancel it with `change cancel %s`.", c.ID, where, c.ID)}
	case !gone:
		return &bot.Error{Code: bot.CodeUnavailable, Err: err, Message: fmt.Sprintf("%s was acted on before its card could be posted: %s See `change show %s`.", c.ID, where, c.ID)}
	}
	return &bot.Error{Code: bot.CodeUnavailable, Err: err, Message: "Your change request was not filed: " + where + " Then request it again."}
}

// refresh re-reads c and updates its message in place.
func (s *Service) refresh(ctx context.Context, id string) *Change {
	c, err := s.st.get(ctx, id)
	if err != nil {
		s.log.Warn("reload change for its message", "change", id, "err", err)
		return nil
	}
	if c.TS != "" {
		if err := s.d.Chat.Update(ctx, c.Channel, c.TS, s.message(c)); err != nil {
			s.log.Warn("update change message", "change", id, "err", err)
		}
	}
	return c
}

// expireIfDue marks c expired when its time is up; it reports whether it did.
func (s *Service) expireIfDue(ctx context.Context, c *Change) (bool, error) {
	if !c.open() || s.now().Before(c.Expires) {
		return false, nil
	}
	ok, _, err := s.st.transition(ctx, c.ID, StateRequested, StateExpired)
	if err != nil {
		return false, bot.Unavailable("the state store", err)
	}
	if ok {
		s.met.event(StateExpired)
		s.record(ctx, "", "change.expire", c.ID+": expired at "+c.Expires.UTC().Format("2006-01-02 15:04 MST")+" without enough approvals", "ok")
		s.refresh(ctx, c.ID)
	}
	return true, nil
}

// Approve records user's approval of id; the approval that completes the
// count runs the change at once, or schedules it for its window's start.
// emergency is the reason for approving during a freeze (admins only, and
// only while a freeze is in force); it makes that one approval final.
func (s *Service) Approve(ctx context.Context, id, user string, role bot.Role, emergency string) (string, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	detail := c.ID
	if emergency != "" {
		detail += " (emergency: " + emergency + ")"
	}
	if err := s.checkApprover(ctx, c, user, role, emergency); err != nil {
		s.record(ctx, user, "change.approve", detail, "denied")
		return "", err
	}
	needed := s.pol.approvals
	now := s.now()
	a := Approval{User: user, At: now, Emergency: emergency}
	if emergency != "" {
		needed = 1 // an admin's emergency approval is final, for a run inside this freeze
		a.Freeze, a.FrozenUntil = s.pol.frozenAt(now)
	}
	due := now // when the run should start; the stalled sweep looks after it
	if c.scheduled() && now.Before(c.WindowStart) {
		due = c.WindowStart
	}
	out, n, err := s.st.approve(ctx, c.ID, a, needed, now, due)
	if err != nil {
		return "", bot.Unavailable("the state store", err)
	}
	switch out {
	case "pending":
		s.record(ctx, user, "change.approve", detail, "ok")
		s.refresh(ctx, c.ID)
		return fmt.Sprintf("You approved %s (%d of %d approvals).", c.ID, n, needed), nil
	case "approved":
		s.met.event(StateApproved)
		s.record(ctx, user, "change.approve", detail+" (final)", "ok")
		final, err := s.st.get(ctx, c.ID) // with every approval, as the run needs them
		if err != nil {
			return "", s.startFailed(ctx, c, user, err)
		}
		c = final
		if c.scheduled() && s.now().Before(c.WindowStart) {
			if err := s.schedule(ctx, c); err != nil {
				s.log.Error("schedule change run", "change", c.ID, "err", err)
				return "", bot.Errorf(bot.CodeUnavailable, "%s is approved but its run could not be scheduled (the state store failed); the change sweep will start it within about two minutes of its window's start, or cancel it", c.ID)
			}
			s.refresh(ctx, c.ID)
			return fmt.Sprintf("You approved %s; it will run at the start of its window, %s.%s", c.ID, c.windowText(), s.freezeAhead(c)), nil
		}
		if ok, err := s.checkFreeze(ctx, c, s.now()); err != nil {
			return "", s.startFailed(ctx, c, user, err)
		} else if !ok {
			s.refresh(ctx, c.ID)
			return fmt.Sprintf("You approved %s, but a freeze holds back its run; its thread says until when.", c.ID), nil
		}
		return s.runNow(ctx, c, user)
	case "duplicate":
		return "", bot.Errorf(bot.CodeConflict, "you already approved %s", c.ID)
	case "expired":
		s.met.event(StateExpired)
		s.record(ctx, "", "change.expire", c.ID+": expired at "+c.Expires.UTC().Format("2006-01-02 15:04 MST")+", caught while approving", "ok")
		s.refresh(ctx, c.ID)
		return "", bot.Errorf(bot.CodeConflict, "%s expired before it was approved; request it again", c.ID)
	case "missing":
		return "", bot.Errorf(bot.CodeNotFound, "there is no change %s", c.ID)
	default:
		return "", bot.Errorf(bot.CodeConflict, "%s can no longer be approved: it is %s", c.ID, out[len("state:"):])
	}
}

func (s *Service) checkApprover(ctx context.Context, c *Change, user string, role bot.Role, emergency string) error {
	if !c.open() {
		return bot.Errorf(bot.CodeConflict, "%s can no longer be approved: it is %s", c.ID, c.State)
	}
	if expired, err := s.expireIfDue(ctx, c); err != nil || expired {
		if err != nil {
			return err
		}
		return bot.Errorf(bot.CodeConflict, "%s expired at %s before it was approved; request it again", c.ID, c.Expires.UTC().Format("15:04 MST"))
	}
	if user == c.Requester {
		return bot.Errorf(bot.CodeForbidden, "you requested %s, so you cannot approve it; ask another %s", c.ID, s.pol.approverRole)
	}
	if role < s.pol.approverRole {
		return bot.Errorf(bot.CodeForbidden, "approving changes needs the %s role; you have %s", s.pol.approverRole, role)
	}
	now := s.now()
	if name, until := s.pol.frozenAt(now); name != "" {
		if role < bot.RoleAdmin || emergency == "" {
			return bot.Errorf(bot.CodeForbidden, "changes are frozen (%s); only an admin may approve, as an emergency: `change approve %s emergency: <reason>`", name, c.ID)
		}
		if c.scheduled() && !c.WindowStart.Before(until) {
			// The emergency is this freeze's: a run after it would go
			// ahead on one approval where the policy asks for more.
			return bot.Errorf(bot.CodeForbidden, "an emergency approval covers only a run during this freeze (%s, until %s), and %s's window opens after it, at %s; approve it once the freeze is over (it needs %d approval%s)",
				name, s.clock(until), c.ID, s.clock(c.WindowStart), s.pol.approvals, plural(s.pol.approvals))
		}
	} else if emergency != "" {
		// Outside a freeze there is nothing to override: an emergency
		// approval would only skip the other approvers.
		if role < bot.RoleAdmin {
			return bot.Errorf(bot.CodeForbidden, "only an admin may approve as an emergency, and only during a freeze")
		}
		return bot.Errorf(bot.CodeInvalid, "no change freeze is in force, so there is no emergency to declare; approve without `emergency:` (%s needs %d approval%s)",
			c.ID, s.pol.approvals, plural(s.pol.approvals))
	}
	return nil
}

// freezeAhead warns the approver of a change scheduled for a window that
// starts in a freeze its approvals do not cover.
func (s *Service) freezeAhead(c *Change) string {
	chk := s.mayStart(c, c.WindowStart)
	switch {
	case chk.run:
		return ""
	case chk.expire != "":
		return fmt.Sprintf(" Note: its window falls in freeze %q, which lasts past its end, so it will expire without running; request it for a later window.", chk.freeze)
	}
	return fmt.Sprintf(" Note: its window starts in freeze %q; it will wait for the freeze to end at %s and run then, inside its window.", chk.freeze, s.clock(chk.until))
}

// Reject turns id down with a reason.
func (s *Service) Reject(ctx context.Context, id, user string, role bot.Role, reason string) (string, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	if role < s.pol.approverRole {
		return "", bot.Errorf(bot.CodeForbidden, "rejecting changes needs the %s role; you have %s", s.pol.approverRole, role)
	}
	if reason == "" {
		return "", bot.Errorf(bot.CodeInvalid, "say why you reject %s", c.ID)
	}
	return s.close(ctx, c, user, StateRejected, "change.reject", c.ID+" — "+reason, "reject_reason", reason)
}

// Cancel withdraws id; only its requester or an admin may. An approved
// change whose run has not started yet (its window has not come, a freeze
// holds it, or the state store failed at its start) may still be cancelled.
func (s *Service) Cancel(ctx context.Context, id, user string, role bot.Role) (string, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	if user != c.Requester && role < bot.RoleAdmin {
		return "", bot.Errorf(bot.CodeForbidden, "only %s, who requested %s, or an admin may cancel it", blocks.Mention(c.Requester), c.ID)
	}
	if c.State == StateApproved {
		ok, cur, err := s.st.transition(ctx, c.ID, StateApproved, StateCancelled, "decided_by", user, "hold", "")
		if err != nil {
			return "", bot.Unavailable("the state store", err)
		}
		if !ok {
			return "", bot.Errorf(bot.CodeConflict, "%s is already %s", c.ID, cur)
		}
		if c.scheduled() && s.d.Steps != nil { // without a loop nothing was scheduled
			if err := s.d.Steps.Cancel(ctx, stepRun, c.ID); err != nil {
				s.log.Warn("cancel scheduled change run", "change", c.ID, "err", err) // the step finds it cancelled
			}
		}
		s.met.event(StateCancelled)
		detail := c.ID + " (approved, before its run)"
		if c.scheduled() {
			detail = c.ID + " (approved, before its window)"
		}
		s.record(ctx, user, "change.cancel", detail, "ok")
		s.refresh(ctx, c.ID)
		return fmt.Sprintf("%s is cancelled; it will not run.", c.ID), nil
	}
	return s.close(ctx, c, user, StateCancelled, "change.cancel", c.ID)
}

func (s *Service) close(ctx context.Context, c *Change, user, to, event, detail string, kv ...string) (string, error) {
	if expired, err := s.expireIfDue(ctx, c); err != nil || expired {
		if err != nil {
			return "", err
		}
		return "", bot.Errorf(bot.CodeConflict, "%s has already expired", c.ID)
	}
	ok, cur, err := s.st.transition(ctx, c.ID, StateRequested, to, append([]string{"decided_by", user}, kv...)...)
	if err != nil {
		return "", bot.Unavailable("the state store", err)
	}
	if !ok {
		return "", bot.Errorf(bot.CodeConflict, "%s is already %s", c.ID, cur)
	}
	s.met.event(to)
	s.record(ctx, user, event, detail, "ok")
	s.refresh(ctx, c.ID)
	return fmt.Sprintf("%s is %s.", c.ID, to), nil
}

// SweepExpired marks every request past its expiry as expired and updates
// its message; the app calls it periodically.
func (s *Service) SweepExpired(ctx context.Context) (int, error) {
	ids, err := s.st.pending(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if err != nil {
			continue
		}
		if done, err := s.expireIfDue(ctx, c); err != nil {
			return n, err
		} else if done {
			n++
		}
	}
	return n, nil
}
