package oncall

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// mrkdwnEscaper is built once: building a Replacer costs far more than
// using it (it is immutable, so sharing it is safe).
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes typed text safe in mrkdwn: no stray mentions or links.
func escape(s string) string { return mrkdwnEscaper.Replace(s) }

func pageText(p *Page) string {
	from := "opsbot"
	if p.By != "" {
		from = mention(p.By)
	}
	t := fmt.Sprintf(":rotating_light: %s pages you (%s): %s", from, p.ID, escape(p.Message))
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
		about = " about *" + p.Ref + "*"
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(fmt.Sprintf(":rotating_light: *Page %s* from %s%s\n%s", p.ID, from, about, escape(p.Message))), nil, nil),
	}
	ctx := fmt.Sprintf("Paged: %s · level %d of %d · %s", p.Target, level+1, len(p.Levels), p.Created.UTC().Format("2006-01-02 15:04 UTC"))
	if p.Channel != "" {
		ctx += " · from <#" + p.Channel + ">"
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(ctx)))
	switch p.State {
	case PageAcked:
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(fmt.Sprintf(":white_check_mark: Acknowledged by %s at %s",
			mention(p.AckedBy), p.AckedAt.UTC().Format("15:04 UTC"))), nil, nil))
	default:
		btn := slack.NewButtonBlockElement("oncall.ack", p.ID, plain("Acknowledge")).WithStyle(slack.StylePrimary)
		blocks = append(blocks, slack.NewActionBlock("oncall:"+p.ID, btn))
	}
	return blocks
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
