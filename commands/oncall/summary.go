package oncall

import (
	"context"
	"fmt"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

var _ bot.SummaryProvider = (*Service)(nil)

// summaryHandoffs caps the handoffs listed per schedule, summarySchedules
// the schedules listed (the rest are counted), so the section fits one
// block.
const (
	summaryHandoffs  = 4
	summarySchedules = 12
)

// SummarySection is on-call's part of the health summary: per schedule,
// who is on call now and who is next, and the handoffs of the next 24
// hours. Schedules are not tied to hosts, so the selector does not narrow
// them; with no schedules there is nothing to say.
func (s *Service) SummarySection(ctx context.Context, r bot.SummaryRequest) (*bot.SummarySection, error) {
	if len(s.cfg.order) == 0 {
		return nil, nil
	}
	all, err := s.overrides.all(ctx)
	if err != nil {
		return nil, bot.Unavailable("the on-call store", err)
	}
	var b strings.Builder
	for i, name := range s.cfg.order {
		if i == summarySchedules {
			fmt.Fprintf(&b, "…and %d more schedules: `oncall who`\n", len(s.cfg.order)-i)
			break
		}
		sc := s.cfg.schedules[name]
		oc := whoAt(sc, all[name], r.Now)
		fmt.Fprintf(&b, "• *%s*: %s", blocks.Escape(name), describeSegment(oc.Now))
		if oc.Now.End.IsZero() {
			b.WriteString(", with no change in sight\n")
			continue
		}
		fmt.Fprintf(&b, " until %s, then %s\n", blocks.Date(oc.Now.End, r.Loc), describeSegment(oc.Next))
		var hand []string
		// Handoffs within 24 hours, one at the 24th hour included.
		for i, g := range segments(sc, all[name], r.Now, r.Now.Add(24*time.Hour+time.Nanosecond)) {
			if i == 0 {
				continue
			}
			if len(hand) == summaryHandoffs {
				hand = append(hand, "…")
				break
			}
			hand = append(hand, blocks.Date(g.Start, r.Loc)+" → "+describeSegment(g))
		}
		if len(hand) > 0 {
			fmt.Fprintf(&b, "    handoffs in the next 24 h: %s\n", strings.Join(hand, ", "))
		}
	}
	return &bot.SummarySection{Title: "On call", Text: strings.TrimSuffix(b.String(), "\n")}, nil
}
