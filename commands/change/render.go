package change

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/integrations/sshexec"
)

// maxPlanHosts caps the hosts listed in a message's plan.
const maxPlanHosts = 20

var stateIcon = map[string]string{
	StateRequested: ":hourglass_flowing_sand:", StateApproved: ":white_check_mark:", StateRejected: ":no_entry:",
	StateCancelled: ":heavy_multiplication_x:", StateExpired: ":alarm_clock:", StateRunning: ":gear:",
	StateSucceeded: ":large_green_circle:", StateFailed: ":red_circle:", StatePartiallyFailed: ":large_orange_circle:",
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}
func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// title is "CHG-7 restart unit=nginx on web (3 hosts)".
func (c *Change) title() string {
	return fmt.Sprintf("%s %s on %s (%d host%s)", c.ID, c.describe(), c.Selector, len(c.Hosts), plural(len(c.Hosts)))
}

func (c *Change) describe() string {
	parts := []string{c.Action}
	for _, k := range sortedKeys(c.Values) {
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

// windowText is the change's window in the zone it was requested in.
func (c *Change) windowText() string {
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		loc = time.UTC
	}
	return windowText(c.WindowStart.In(loc), c.WindowEnd)
}

// whenText is the Window field: when the change runs and until when it
// may be approved.
func (c *Change) whenText() string {
	if !c.scheduled() {
		return "runs at once on final approval; expires " + c.Expires.UTC().Format("2006-01-02 15:04 MST")
	}
	switch c.State {
	case StateRequested:
		return c.windowText() + "; runs at its start once approved (approvable until its end)"
	case StateApproved:
		return c.windowText() + "; approved, runs at its start"
	}
	return c.windowText()
}

// message renders the change's one message in the changes channel.
func (c *Change) message(needed int) bot.Message {
	state := stateIcon[c.State] + " *" + strings.ReplaceAll(c.State, "_", " ") + "*"
	if c.Progress != "" && c.State == StateRunning {
		state += " · " + c.Progress
	}
	fields := []*slack.TextBlockObject{
		mrkdwn("*State*\n" + state),
		mrkdwn("*Risk*\n" + c.Risk),
		mrkdwn("*Requested by*\n<@" + c.Requester + ">"),
		mrkdwn("*Window*\n" + c.whenText()),
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(c.title())),
		slack.NewSectionBlock(mrkdwn("*Reason:* "+escape(c.Reason)), fields, nil),
		slack.NewSectionBlock(mrkdwn("*Plan* (exact command per host):\n```"+c.planText()+"```"), nil, nil),
	}
	var notes []string
	if len(c.Approvals) > 0 || c.State == StateRequested {
		var who []string
		for _, a := range c.Approvals {
			w := "<@" + a.User + ">"
			if a.Emergency != "" {
				w += " (emergency: " + escape(a.Emergency) + ")"
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
		notes = append(notes, "Rejected by <@"+c.DecidedBy+">: "+escape(c.RejectReason))
	case StateCancelled:
		notes = append(notes, "Cancelled by <@"+c.DecidedBy+">")
	case StateExpired:
		if c.Result == "" {
			notes = append(notes, "Expired without enough approvals")
		}
	}
	if c.Result != "" {
		notes = append(notes, "Result: "+c.Result)
	}
	if len(notes) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(strings.Join(notes, " · "))))
	}
	if c.open() {
		approve := slack.NewButtonBlockElement("change.approve", c.ID, plain("Approve"))
		approve.Style = slack.StylePrimary
		reject := slack.NewButtonBlockElement("change.reject", c.ID, plain("Reject"))
		reject.Style = slack.StyleDanger
		blocks = append(blocks, slack.NewActionBlock("change:"+c.ID, approve, reject))
	}
	return bot.Message{Channel: c.Channel, Text: c.title() + ": " + c.State, Blocks: blocks}
}

// planText is one line per host: "web-1: sudo systemctl restart nginx".
func (c *Change) planText() string {
	line := sshexec.CommandLine(c.Argv)
	var b strings.Builder
	for i, h := range c.Hosts {
		if i == maxPlanHosts {
			fmt.Fprintf(&b, "…and %d more hosts, same command\n", len(c.Hosts)-maxPlanHosts)
			break
		}
		fmt.Fprintf(&b, "%s (%s): %s\n", h.Name, h.Env, line)
	}
	return strings.TrimSuffix(strings.ReplaceAll(b.String(), "```", "'''"), "\n")
}

// escape keeps user text from forming Slack links or mentions.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
