package summary

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// maxSections keeps a summary within Slack's 50 blocks: a header, two
// context lines, the failures, and a divider and a section for each.
const maxSections = 20

// chartNote says what the message tells of the chart.
type chartNote int

const (
	chartNone   chartNote = iota // no chart: no counts per day, or it could not be drawn
	chartBeside                  // uploaded beside the message
	chartLater                   // left out of a private answer (a file would be public)
)

// title is the summary's header.
func title(sum Summary) string {
	if sum.Name == "" {
		return "Daily health summary"
	}
	return "Health summary: " + sum.Name
}

// render puts the sections in one message: a header, what the summary
// covers, each section under a divider, one line per source that could
// not be read, and a note of the chart.
func render(sum Summary, req bot.SummaryRequest, results []result, why occasion, note chartNote, timeout time.Duration) bot.Message {
	bs := []slack.Block{blocks.Header(title(sum)), blocks.Context(coverage(req, why))}
	var titles, failed []string
	shown := 0
	for _, r := range results {
		switch {
		case r.err != nil:
			failed = append(failed, ":warning: "+blocks.Inline(r.domain)+" could not be read: "+failure(r.err, timeout))
		case r.section == nil:
		case shown == maxSections:
			failed = append(failed, ":information_source: "+blocks.Inline(r.domain)+" is left out: a summary holds "+fmt.Sprint(maxSections)+" sections")
		default:
			shown++
			titles = append(titles, r.section.Title)
			bs = append(bs, slack.NewDividerBlock(), blocks.Section("*"+blocks.Escape(r.section.Title)+"*\n"+r.section.Text))
		}
	}
	if shown == 0 && len(failed) == 0 {
		bs = append(bs, blocks.Section("Nothing to report: no domain had anything to say."))
	}
	if len(failed) > 0 {
		bs = append(bs, slack.NewDividerBlock(), blocks.Section(strings.Join(failed, "\n")))
	}
	switch note {
	case chartBeside:
		bs = append(bs, blocks.Context(fmt.Sprintf(":chart_with_upwards_trend: The chart beside this shows alerts and incidents per day over the last %d days.", ChartDays)))
	case chartLater:
		bs = append(bs, blocks.Context(":chart_with_upwards_trend: The chart of alerts and incidents per day comes with the summary posted in a channel (`summary now here`)."))
	}
	text := title(sum) + ", " + req.Now.In(req.Loc).Format("Mon 2 Jan 2006")
	if len(titles) > 0 {
		text += ": " + strings.Join(titles, ", ")
	}
	return bot.Message{Text: blocks.EscapeCut(text, 500), Blocks: bs}
}

// coverage says what the summary covers and how it came about.
func coverage(req bot.SummaryRequest, why occasion) string {
	s := "The 24 hours to " + blocks.DateFormat(req.Now, req.Loc, "{date_long_pretty} {time}")
	if req.Selector != "" {
		s += " · for " + blocks.Inline(req.Selector)
	}
	if !why.due.IsZero() {
		s += " · due " + blocks.Date(why.due, req.Loc) + ", while opsbot was down, so it comes late"
		if why.missed > 0 {
			s += fmt.Sprintf(" (and stands in for %d more missed)", why.missed)
		}
	}
	if why.by != "" {
		s += " · run by " + blocks.Mention(why.by)
	}
	return s
}

// failure is why a source could not be read, for people.
func failure(err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("it did not answer within %s", timeout)
	}
	return bot.UserMessage(err)
}

func hasSeries(results []result) bool {
	for _, r := range results {
		if r.err == nil && r.section != nil && len(r.section.Series) > 0 {
			return true
		}
	}
	return false
}
