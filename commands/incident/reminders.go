package incident

import (
	"context"
	"fmt"
	"time"

	"opsbot/bot"
)

// scheduleReminder sets the next status-update check of an open incident
// whose severity asks for updates, and cancels it otherwise.
func (s *Service) scheduleReminder(ctx context.Context, i *Incident) {
	every := s.cfg.severities[i.Severity].updateEvery
	var err error
	if every == 0 || i.State == StateResolved {
		err = s.steps.Cancel(ctx, StepRemind, i.ID())
	} else {
		err = s.steps.Schedule(ctx, StepRemind, i.ID(), lastUpdate(i).Add(every), "")
	}
	if err != nil {
		s.log.Warn("schedule status reminder", "incident", i.ID(), "err", err)
	}
}

// lastUpdate is when people last heard of the incident: its last status
// update, or its (re)opening.
func lastUpdate(i *Incident) time.Time {
	if i.LastUpdate.After(i.Opened) {
		return i.LastUpdate
	}
	return i.Opened
}

// remindStep runs when a status update may be overdue: it reminds the
// commander (or, without one, the incident's thread) and checks again one
// interval later.
func (s *Service) remindStep(ctx context.Context, id, _ string) error {
	n, ok := ParseID(id)
	if !ok {
		return nil
	}
	inc, err := s.st.load(ctx, n)
	if err != nil {
		return err
	}
	if inc == nil || inc.State == StateResolved {
		return nil
	}
	every := s.cfg.severities[inc.Severity].updateEvery
	if every == 0 {
		return nil
	}
	now := s.now()
	if due := lastUpdate(inc).Add(every); due.After(now) {
		return s.steps.Schedule(ctx, StepRemind, id, due, "") // an update came in meanwhile
	}
	text := fmt.Sprintf(":alarm_clock: %s (%s) is due a status update: the last was %s ago, and %s incidents get one every %s. Post it with `incident status %s <what is happening>`.",
		inc.ID(), inc.Severity, fmtDur(now.Sub(lastUpdate(inc))), inc.Severity, fmtDur(every), inc.ID())
	msg := bot.Message{Channel: inc.Commander, Text: text}
	if inc.Commander == "" {
		if len(inc.Messages) == 0 {
			s.log.Warn("status update overdue, and nobody to remind", "incident", inc.ID())
			return s.steps.Schedule(ctx, StepRemind, id, now.Add(every), "")
		}
		m := inc.Messages[0]
		msg = bot.Message{Channel: m.Channel, Thread: m.TS, Text: text + " There is no commander yet: press *I'm commander* to take it."}
	}
	if _, err := s.chat.Post(ctx, msg); err != nil {
		return fmt.Errorf("remind about %s: %w", inc.ID(), err)
	}
	return s.steps.Schedule(ctx, StepRemind, id, now.Add(every), "")
}
