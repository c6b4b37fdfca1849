package oncall

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot/blocks"
)

func pageText(p *Page) string {
	from := "opsbot"
	if p.By != "" {
		from = mention(p.By)
	}
	t := fmt.Sprintf(":rotating_light: %s pages you (%s): %s", from, p.ID, blocks.Escape(p.Message))
	if p.State == PageAcked {
		t += fmt.Sprintf(" (acknowledged by %s)", mention(p.AckedBy))
	}
	return t
}

// pageBlocks is the DM a paged person gets; the Acknowledge button goes
// once someone has acknowledged.
func pageBlocks(p *Page, level int) []slack.Block {
	from := "opsbot"
	if p.By != "" {
		from = mention(p.By)
	}
	about := ""
	if p.Ref != "" {
		about = " about *" + blocks.Escape(p.Ref) + "*"
	}
	// A long message is cut to the section's 3,000 (the notification's
	// text keeps more of it).
	set := []slack.Block{
		blocks.Section(fmt.Sprintf(":rotating_light: *Page %s* from %s%s\n%s", p.ID, from, about, blocks.Escape(p.Message))),
	}
	ctx := fmt.Sprintf("Paged: %s · level %d of %d · %s", blocks.Escape(p.Target), level+1, len(p.Levels), blocks.Date(p.Created, nil))
	if p.Channel != "" {
		ctx += " · from " + blocks.ChannelRef(p.Channel)
	}
	set = append(set, blocks.Context(ctx))
	switch p.State {
	case PageAcked:
		set = append(set, blocks.Section(fmt.Sprintf(":white_check_mark: Acknowledged by %s at %s",
			mention(p.AckedBy), blocks.Date(p.AckedAt, nil))))
	default:
		btn := slack.NewButtonBlockElement("oncall.ack", p.ID, blocks.Plain("Acknowledge")).WithStyle(slack.StylePrimary)
		set = append(set, slack.NewActionBlock("oncall:"+p.ID, btn))
	}
	return set
}

// describeSegment says who is on call in a segment and why.
func describeSegment(g Segment) string {
	t := mention(g.User)
	if g.Override != nil {
		t += fmt.Sprintf(" (override %s)", g.Override.ID)
	}
	return t
}

// until says how long a segment lasts.
func until(g Segment, loc *time.Location) string {
	if g.End.IsZero() {
		return "with no change in sight"
	}
	return "until " + fmtTime(g.End, loc)
}

// fmtSpan shows a duration the way people type them.
func fmtSpan(d time.Duration) string {
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := (d % time.Hour) / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if b.Len() == 0 {
		return "0m"
	}
	return b.String()
}

// allLevels is "all 3 levels" of a page's escalation, or "its only
// level".
func allLevels(n int) string {
	if n == 1 {
		return "its only level"
	}
	return "all " + blocks.Count(n, "level")
}
