package change

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/sshexec"
)

// maxPlanHosts caps the hosts listed in a message's plan.
const maxPlanHosts = 20

var stateIcon = map[string]string{
	StateRequested: ":hourglass_flowing_sand:", StateApproved: ":white_check_mark:", StateRejected: ":no_entry:",
	StateCancelled: ":heavy_multiplication_x:", StateExpired: ":alarm_clock:", StateRunning: ":gear:",
	StateSucceeded: ":large_green_circle:", StateFailed: ":red_circle:", StatePartiallyFailed: ":large_orange_circle:",
}

// title is "CHG-7 restart unit=nginx on web (3 hosts)", as typed: escape
// it for Slack text.
func (c *Change) title() string {
	return fmt.Sprintf("%s %s on %s (%d host%s)", c.ID, c.describe(), c.Selector, len(c.Hosts), plural(len(c.Hosts)))
}

func (c *Change) describe() string {
	parts := []string{c.Action}
	for _, k := range slices.Sorted(maps.Keys(c.Values)) {
		parts = append(parts, k+"="+c.Values[k])
	}
	return strings.Join(parts, " ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// windowText is the change's window in the zone it was requested in, as
// plain text for replies, results and the audit trail.
func (c *Change) windowText() string {
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		loc = time.UTC
	}
	return windowText(c.WindowStart.In(loc), c.WindowEnd)
}

// whenText is the Window field: when the change runs and until when it
// may be approved, with times every reader sees in their own zone (the
// fallback in loc).
func (c *Change) whenText(loc *time.Location) string {
	if !c.scheduled() {
		return "runs at once on final approval; expires " + blocks.Date(c.Expires, loc)
	}
	window := blocks.Date(c.WindowStart, loc) + " – " + blocks.Date(c.WindowEnd, loc)
	switch c.State {
	case StateRequested:
		return window + "; runs at its start once approved (approvable until its end)"
	case StateApproved:
		if c.Hold != "" {
			return window + "; approved, waits for freeze " + blocks.Escape(c.Hold) + " to end at " + blocks.Date(c.HoldUntil, loc)
		}
		return window + "; approved, runs at its start"
	}
	return window
}

// message renders c's one message in the changes channel with the
// desk's policy.
func (s *Service) message(c *Change) bot.Message { return c.message(s.pol.approvals, s.pol.loc) }

// message renders the change's one message; times fall back to loc.
// Everything that came from people or hosts is escaped.
func (c *Change) message(needed int, loc *time.Location) bot.Message {
	state := stateIcon[c.State] + " *" + strings.ReplaceAll(c.State, "_", " ") + "*"
	if c.Progress != "" && c.State == StateRunning {
		state += " · " + blocks.Escape(c.Progress)
	}
	if c.State == StateApproved && c.Hold != "" && !c.scheduled() {
		state += " · waits for freeze " + blocks.Escape(c.Hold) + " to end at " + blocks.Date(c.HoldUntil, loc)
	}
	head := blocks.Fields(
		"*State*\n"+state,
		"*Risk*\n"+blocks.Escape(c.Risk),
		"*Requested by*\n"+blocks.Mention(c.Requester),
		"*Window*\n"+c.whenText(loc),
	)
	head.Text = blocks.Mrkdwn(blocks.Cut("*Reason:* "+blocks.Escape(c.Reason), blocks.MaxSectionText))
	const planHead = "*Plan* (exact command per host):\n"
	list := []slack.Block{
		blocks.Header(c.title()),
		head,
		blocks.Section(planHead + blocks.Code(c.planText(), blocks.MaxSectionText-len(planHead))),
	}
	var notes []string
	if len(c.Approvals) > 0 || c.State == StateRequested {
		var who []string
		for _, a := range c.Approvals {
			w := blocks.Mention(a.User)
			if a.Emergency != "" {
				w += " (emergency: " + blocks.Escape(a.Emergency) + ")"
			}
			who = append(who, w)
		}
		line := fmt.Sprintf("Approvals %d/%d", len(c.Approvals), needed)
		if len(who) > 0 {
			line += ": " + strings.Join(who, ", ")
		}
		notes = append(notes, line)
	}
	switch c.State {
	case StateRejected:
		notes = append(notes, "Rejected by "+blocks.Mention(c.DecidedBy)+": "+blocks.Escape(c.RejectReason))
	case StateCancelled:
		notes = append(notes, "Cancelled by "+blocks.Mention(c.DecidedBy))
	case StateExpired:
		if c.Result == "" {
			notes = append(notes, "Expired without enough approvals")
		}
	}
	if c.Result != "" {
		notes = append(notes, "Result: "+blocks.Escape(c.Result))
	}
	if len(notes) > 0 {
		list = append(list, blocks.Context(strings.Join(notes, " · ")))
	}
	if c.open() {
		list = append(list, blocks.Actions("change:"+c.ID,
			blocks.Button("change.approve", "Approve", c.ID, slack.StylePrimary),
			blocks.Button("change.reject", "Reject", c.ID, slack.StyleDanger)))
	}
	return bot.Message{Channel: c.Channel, Text: blocks.Escape(c.title()) + ": " + c.State, Blocks: list}
}

// planText is one line per host: "web-1: sudo systemctl restart nginx",
// as plain text (blocks.Code escapes it).
func (c *Change) planText() string {
	line := sshexec.CommandLine(c.Argv)
	var b strings.Builder
	for i, h := range c.Hosts {
		if i == maxPlanHosts {
			fmt.Fprintf(&b, "…and %s, same command\n", blocks.Count(len(c.Hosts)-maxPlanHosts, "more host"))
			break
		}
		fmt.Fprintf(&b, "%s (%s): %s\n", h.Name, h.Env, line)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
