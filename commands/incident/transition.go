package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"opsbot/bot"
)

// transition applies a change and does what follows from it: the
// incident's messages are updated, metrics observed, paging stopped or
// started, reminders moved. A refused change returns its outcome with the
// incident as it is and changes nothing.
func (s *Service) transition(ctx context.Context, n int64, c transitionArgs) (string, *Incident, error) {
	now := s.now()
	if c.actor != "opsbot" {
		c.users = append(c.users, c.actor)
	}
	outcome, inc, err := s.st.apply(ctx, n, c, now)
	if err != nil {
		return "", nil, bot.Unavailable("the state store", err)
	}
	if outcome == "missing" {
		return outcome, nil, bot.Errorf(bot.CodeNotFound, "there is no incident %s", FormatID(n))
	}
	if outcome != "ok" {
		return outcome, inc, nil
	}
	sev := "sev" + strconv.Itoa(int(inc.Severity))
	switch c.op {
	case "ack":
		s.metrics.tta.WithLabelValues(sev).Observe(now.Sub(inc.Opened).Seconds())
		s.stopPage(ctx, inc, c.actor)
	case "resolve":
		s.metrics.ttr.WithLabelValues(sev).Observe(now.Sub(inc.Opened).Seconds())
		s.stopPage(ctx, inc, c.actor)
		if err := s.steps.Cancel(ctx, StepRemind, inc.ID()); err != nil {
			s.log.Warn("cancel status reminder; it will find the incident resolved", "incident", inc.ID(), "err", err)
		}
	case "role":
		s.invite(ctx, inc, c.arg2)
	case "page":
		s.invite(ctx, inc, c.users...)
	case "reopen", "sev":
		s.scheduleReminder(ctx, inc)
		// A reopened incident, or one raised to a paging severity, pages
		// (again) when it has no page still running.
		if (c.op == "reopen" || inc.Page == "") && s.cfg.severities[inc.Severity].page != "" {
			if note := s.pageFor(ctx, inc, c.actor); note != "" {
				s.log.Warn("page for incident", "incident", inc.ID(), "note", note)
			} else if changed, err := s.st.refs(ctx, inc, now); err != nil {
				s.log.Warn("record page", "incident", inc.ID(), "err", err)
			} else if changed {
				// Acknowledged from the page already: draw what is true now.
				if fresh, err := s.st.load(ctx, inc.Num); err == nil && fresh != nil {
					inc = fresh
				}
			}
		}
	}
	if c.op != "note" && c.op != "link" {
		s.refresh(ctx, inc)
	}
	return outcome, inc, nil
}

// invite brings people who joined the incident (a role, a later page)
// into its own channel, when it has one.
func (s *Service) invite(ctx context.Context, i *Incident, users ...string) {
	if s.channels == nil || i.IncChannel == "" || len(users) == 0 {
		return
	}
	if err := s.channels.Invite(ctx, i.IncChannel, users...); err != nil {
		s.log.Warn("invite to incident channel", "incident", i.ID(), "users", users, "err", err)
	}
}

// pagedByEscalation hears from the pager whom a level of an incident's
// page reached and whom not: later levels' people are recorded on the
// incident (its timeline, its message, their "mine" lists) and invited
// to its channel; failed DMs go on the timeline. The first level's
// people are recorded when the incident is opened.
func (s *Service) pagedByEscalation(ctx context.Context, ref, page string, level int, reached, failed []string) {
	n, ok := ParseID(ref)
	if !ok {
		return
	}
	where := fmt.Sprintf("%s level %d", page, level+1)
	if level > 0 && len(reached) > 0 {
		c := transitionArgs{op: "page", actor: "opsbot", arg: strings.Join(reached, ","), arg2: where, users: reached}
		if _, _, err := s.transition(ctx, n, c); err != nil {
			s.log.Warn("record escalation on incident", "incident", ref, "page", page, "err", err)
		}
	}
	if len(failed) == 0 {
		return
	}
	if level == 0 {
		// The first level is paged while the page is raised: pageFor
		// takes whom it missed and records them with the page, as done by
		// whoever asked for it.
		s.missed.Store(page, append([]string(nil), failed...))
		return
	}
	why := s.whyMissed(ctx, ref, page)
	for _, f := range failed {
		c := transitionArgs{op: "unreached", actor: "opsbot", arg: f, arg2: where, arg3: whyUnreached(why, f)}
		if _, _, err := s.transition(ctx, n, c); err != nil {
			s.log.Warn("record failed page on incident", "incident", ref, "page", page, "err", err)
		}
	}
}

// refresh updates every posted copy of the incident's message.
func (s *Service) refresh(ctx context.Context, i *Incident) {
	for _, m := range i.Messages {
		if err := s.chat.Update(ctx, m.Channel, m.TS, bot.Message{Channel: m.Channel, Text: messageText(i), Blocks: s.message(i)}); err != nil {
			s.log.Warn("update incident message", "incident", i.ID(), "channel", m.Channel, "err", err)
		}
	}
}

// stopPage acknowledges the incident's page, which ends its escalation.
func (s *Service) stopPage(ctx context.Context, i *Incident, user string) {
	if s.pager == nil || i.Page == "" {
		return
	}
	if err := s.pager.Acknowledge(ctx, i.Page, user); err != nil {
		s.log.Warn("stop paging", "incident", i.ID(), "page", i.Page, "err", err)
	}
}

// conflict explains a refused change.
func (s *Service) conflict(outcome string, c transitionArgs, i *Incident) string {
	id := i.ID()
	switch outcome {
	case "acked":
		return fmt.Sprintf("%s was already acknowledged by %s at %s.", id, mention(i.AckedBy), s.fmtTime(i.AckedAt))
	case "resolved":
		return fmt.Sprintf("%s is resolved (by %s at %s), so it cannot be changed; `incident reopen %s` if it is back.",
			id, mention(i.ResolvedBy), s.fmtTime(i.ResolvedAt), id)
	case "notresolved":
		return fmt.Sprintf("%s is not resolved (%s); there is nothing to reopen.", id, stateText(i))
	case "same":
		if c.op == "sev" {
			return fmt.Sprintf("%s is already %s.", id, i.Severity)
		}
		return fmt.Sprintf("%s is already %s of %s.", mention(c.arg2), c.arg, id)
	}
	return fmt.Sprintf("%s was not changed (%s).", id, outcome)
}

// run is a command's transition: refusals become conflict errors.
func (s *Service) run(ctx context.Context, n int64, c transitionArgs) (*Incident, error) {
	outcome, inc, err := s.transition(ctx, n, c)
	if err != nil {
		return nil, err
	}
	if outcome != "ok" {
		return nil, bot.Errorf(bot.CodeConflict, "%s", s.conflict(outcome, c, inc))
	}
	return inc, nil
}

// idForm says which ways of writing an incident id a command accepts.
type idForm int

const (
	// textFollows: only "INC-42", since the argument after the id (or in
	// its place, in an incident's thread) is free text.
	textFollows idForm = iota
	// idOnly: "INC-42", "#42" or "42"; nothing but the id (or a fixed
	// word) follows.
	idOnly
)

// target finds the incident a command means: an id at argument i, or
// else the incident of the thread or channel the command was typed in.
// next is the index of the first argument after the id.
func (s *Service) target(ctx context.Context, req *bot.Request, i int, form idForm) (n int64, next int, err error) {
	parse := ParseID
	if form == idOnly {
		parse = parseLooseID
	}
	if n, ok := parse(req.Args.Arg(i)); ok {
		return n, i + 1, nil
	}
	n, err = s.st.lookup(ctx, req.Channel, req.Thread)
	if err != nil {
		return 0, 0, bot.Unavailable("the state store", err)
	}
	if n == 0 {
		return 0, 0, req.Command.UsageError("say which incident (INC-42), or type this in the incident's thread or channel")
	}
	return n, i, nil
}

// done is a command's answer after a transition: the incident's message
// shows the new state, so the requester gets a short confirmation.
func (s *Service) done(_ *Incident, text string) *bot.Reply {
	return &bot.Reply{Text: text, Visibility: bot.VisibleToRequester}
}

// AcknowledgeFromPage acknowledges the incident ref ("INC-42") when its
// page was acknowledged; wire it with oncall's OnAcknowledge.
func (s *Service) AcknowledgeFromPage(ctx context.Context, ref, user string) {
	n, ok := ParseID(ref)
	if !ok {
		return
	}
	if _, _, err := s.transition(ctx, n, transitionArgs{op: "ack", actor: user}); err != nil {
		s.log.Warn("acknowledge incident from its page", "incident", ref, "err", err)
	}
}

// elapsed is how long ago t was, for lists.
func elapsed(now, t time.Time) string { return fmtDur(now.Sub(t)) + " ago" }
