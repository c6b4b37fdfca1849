package runbook

import (
	"context"
	"fmt"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/commands/incident"
)

// failed tells of a failed run: in the run's thread (or the channel when
// it never got a message), mentioning the owner, with the incident it
// opened when the runbook asks for one. what is Slack text.
func (s *Service) failed(ctx context.Context, rb Runbook, thread, what string, hosts []string) {
	text := fmt.Sprintf(":x: Runbook *%s* %s. %s, please have a look.", blocks.Escape(rb.Name), what, ownerRef(rb.Owner))
	if rb.Incident != "" {
		text += " " + s.openIncident(ctx, rb, what, hosts)
	}
	if _, err := s.d.Chat.Post(ctx, bot.Message{Channel: rb.Channel, Thread: thread, Text: text}); err != nil {
		s.log.Warn("tell the owner of a failed runbook", "runbook", rb.Name, "owner", rb.Owner, "err", err)
	}
}

// openIncident opens the runbook's incident for a failure and says which
// (or why not).
func (s *Service) openIncident(ctx context.Context, rb Runbook, what string, hosts []string) string {
	sev, _ := incident.ParseSeverity(rb.Incident)
	o, err := s.d.Incidents.Open(ctx, incident.OpenRequest{Title: blocks.PlainCut("Runbook "+rb.Name+" failed", incident.MaxTitle), Severity: sev,
		Description: blocks.PlainCut("Scheduled runbook "+rb.Name+" ("+rb.Action+" on "+rb.Target+") "+blocks.Unescape(what)+".", incident.MaxDescription),
		Services:    blocks.PlainCut(strings.Join(hosts, ", "), incident.MaxServices), Reporter: Requester, Channel: rb.Channel})
	if err != nil {
		s.log.Warn("open an incident for a failed runbook", "runbook", rb.Name, "err", err)
		return "I could not open its incident: " + bot.UserMessage(err) + "."
	}
	return "I opened " + o.Incident.ID() + " for it."
}

// ownerRef mentions the owner: a user group or user by id, else the
// handle as text.
func ownerRef(owner string) string {
	o := strings.TrimPrefix(owner, "@")
	if strings.HasPrefix(o, "S") {
		if ref := blocks.GroupRef(o); ref != blocks.Escape(o) {
			return ref
		}
	}
	if ref := blocks.Mention(o); ref != blocks.Escape(o) {
		return ref
	}
	return "@" + blocks.Escape(o)
}
