package oncall

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// HomeHorizon is how far ahead the App Home looks for someone's shifts.
const HomeHorizon = 14 * 24 * time.Hour

// HomeSection is the App Home section "my next shifts" for user.
func (s *Service) HomeSection(ctx context.Context, user string) ([]slack.Block, error) {
	all, err := s.overrides.all(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	now := s.now()
	type mine struct {
		sc  *Schedule
		seg Segment
	}
	var shifts []mine
	for _, name := range s.cfg.order {
		sc := s.cfg.schedules[name]
		for _, g := range segments(sc, all[name], now, now.Add(HomeHorizon)) {
			if g.User == user {
				shifts = append(shifts, mine{sc, g})
			}
		}
	}
	sort.SliceStable(shifts, func(i, j int) bool { return shifts[i].seg.Start.Before(shifts[j].seg.Start) })
	var b strings.Builder
	if len(shifts) == 0 {
		b.WriteString("No on-call shifts for you in the next 14 days.")
	}
	for i, m := range shifts {
		if i == 5 {
			fmt.Fprintf(&b, "…and %d more; `oncall schedule <name> 14` shows them all.", len(shifts)-5)
			break
		}
		state := ""
		if !m.seg.Start.After(now) {
			state = " *(now)*"
		}
		via := ""
		if m.seg.Override != nil {
			via = " (override " + m.seg.Override.ID + ")"
		}
		fmt.Fprintf(&b, "• *%s*: %s → %s%s%s\n", m.sc.Name, fmtTime(m.seg.Start, m.sc.Loc), endText(m.seg, m.sc.Loc), via, state)
	}
	return []slack.Block{
		slack.NewHeaderBlock(blocks.Plain("Your next on-call shifts")),
		slack.NewSectionBlock(blocks.Mrkdwn(strings.TrimSuffix(b.String(), "\n")), nil, nil),
	}, nil
}

func endText(g Segment, loc *time.Location) string {
	if g.End.IsZero() {
		return "no end in sight"
	}
	return fmtTime(g.End, loc)
}
