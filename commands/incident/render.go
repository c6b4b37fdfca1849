package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot/blocks"
)

func mention(id string) string {
	if id == "" || id == "opsbot" {
		return "opsbot"
	}
	return blocks.Mention(id)
}

func (s *Service) fmtTime(t time.Time) string { return t.In(s.cfg.loc).Format("2006-01-02 15:04 MST") }

// fmtDur shows a duration to the minute: "4m", "1h 2m", "2d 3h".
func fmtDur(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	if d < 10*time.Minute && d%time.Minute != 0 {
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm %ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	return strings.Join(parts, " ")
}

// stateText says where an incident stands, for people.
func stateText(i *Incident) string {
	switch i.State {
	case StateAcked:
		return "Acknowledged by " + mention(i.AckedBy)
	case StateResolved:
		return "Resolved by " + mention(i.ResolvedBy)
	default:
		return "Open, not acknowledged"
	}
}

var stateIcon = map[State]string{StateOpen: ":red_circle:", StateAcked: ":large_orange_circle:", StateResolved: ":large_green_circle:"}

// messageText is the incident message's fallback text.
func messageText(i *Incident) string {
	st := stateText(i)
	return fmt.Sprintf("%s %s (%s, %s): %s", stateIcon[i.State], i.ID(), i.Severity, strings.ToLower(st[:1])+st[1:], blocks.Escape(i.Title))
}

// message is the incident's message, posted once and updated in place.
func (s *Service) message(i *Incident) []slack.Block {
	title := fmt.Sprintf("%s · %s · %s", i.ID(), i.Severity, i.Title)
	if len([]rune(title)) > 150 {
		title = string([]rune(title)[:149]) + "…"
	}
	field := func(name, value string) *slack.TextBlockObject { return blocks.Mrkdwn("*" + name + "*\n" + value) }
	commander := "_nobody yet_"
	if i.Commander != "" {
		commander = mention(i.Commander)
	}
	fields := []*slack.TextBlockObject{
		field("Status", stateIcon[i.State]+" "+stateText(i)),
		field("Severity", i.Severity.String()),
		field("Commander", commander),
		field("Reported by", mention(i.Reporter)),
		field("Opened", s.fmtTime(i.Created)),
	}
	if i.Comms != "" {
		fields = append(fields, field("Comms", mention(i.Comms)))
	}
	if i.Ops != "" {
		fields = append(fields, field("Ops", mention(i.Ops)))
	}
	if i.Services != "" {
		fields = append(fields, field("Affected", blocks.Escape(i.Services)))
	}
	if i.IncChannel != "" {
		fields = append(fields, field("Channel", "<#"+i.IncChannel+">"))
	}
	if i.Page != "" {
		fields = append(fields, field("Paged", pagedText(i)))
	}
	set := []slack.Block{
		slack.NewHeaderBlock(blocks.Plain(title)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	if i.Description != "" {
		set = append(set, blocks.Section(blocks.Escape(i.Description)))
	}
	if i.State == StateResolved && i.Summary != "" {
		set = append(set, blocks.Section("*Resolution:* "+blocks.Escape(i.Summary)))
	}
	var facts []string
	if !i.AckedAt.IsZero() {
		facts = append(facts, "acknowledged after "+fmtDur(i.AckedAt.Sub(i.Opened)))
	}
	if !i.ResolvedAt.IsZero() {
		facts = append(facts, "resolved after "+fmtDur(i.ResolvedAt.Sub(i.Created))+" at "+s.fmtTime(i.ResolvedAt))
	}
	if !i.LastUpdate.IsZero() {
		facts = append(facts, "last status update "+s.fmtTime(i.LastUpdate))
	}
	if len(facts) > 0 {
		set = append(set, slack.NewContextBlock("", blocks.Mrkdwn(strings.ToUpper(facts[0][:1])+strings.Join(facts, " · ")[1:])))
	}
	var buttons []slack.BlockElement
	id := i.ID()
	if i.State == StateOpen {
		buttons = append(buttons, slack.NewButtonBlockElement("incident.ack", id, blocks.Plain("Acknowledge")).WithStyle(slack.StylePrimary))
	}
	if i.State != StateResolved {
		buttons = append(buttons,
			slack.NewButtonBlockElement("incident.resolve", id, blocks.Plain("Resolve")).WithStyle(slack.StyleDanger),
			slack.NewButtonBlockElement("incident.commander", id, blocks.Plain("I'm commander")))
	}
	buttons = append(buttons, slack.NewButtonBlockElement("incident.note", id, blocks.Plain("Add note")))
	return append(set, slack.NewActionBlock("incident:"+id, buttons...))
}

// pagedText is the Paged field: who the page reached and who it could
// not.
func pagedText(i *Incident) string {
	var who, missed []string
	reached := map[string]bool{}
	for _, u := range i.Paged {
		who = append(who, mention(u))
		reached[u] = true
	}
	for _, u := range i.Unreached {
		if !reached[u] {
			missed = append(missed, mention(u))
		}
	}
	switch {
	case len(who) > 0 && len(missed) == 0:
		return strings.Join(who, ", ") + " (" + i.Page + ")"
	case len(who) > 0:
		return strings.Join(who, ", ") + " (" + i.Page + "); not reached: " + strings.Join(missed, ", ") + " (the DM failed)"
	case len(missed) > 0:
		return "nobody yet (" + i.Page + "): the DM to " + strings.Join(missed, ", ") + " failed"
	}
	return "nobody yet (" + i.Page + ")"
}

// whyUnreached says why the page's DM did not reach u.
func whyUnreached(why map[string]string, u string) string {
	if w := why[u]; w != "" {
		return w
	}
	return "Slack did not deliver it"
}
