package oncall

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// MaxScheduleDays is the furthest `oncall schedule` looks ahead.
const MaxScheduleDays = 90

func (s *Service) cmdSchedule(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() == 0 || req.Args.Len() > 2 {
		return nil, req.Command.UsageError("give a schedule, and optionally a number of days (known schedules: %s)", orNone(s.cfg.order))
	}
	sc, err := s.schedule(req.Args.Arg(0))
	if err != nil {
		return nil, err
	}
	days := 7
	if a := req.Args.Arg(1); a != "" {
		days, err = strconv.Atoi(strings.TrimSuffix(a, "d"))
		if err != nil || days < 1 || days > MaxScheduleDays {
			return nil, req.Command.UsageError("days must be a number from 1 to %d, not %q", MaxScheduleDays, a)
		}
	}
	all, err := s.overrides.all(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	now := s.now()
	segs := segments(sc, all[sc.Name], now, now.Add(time.Duration(days)*24*time.Hour))
	return &bot.Reply{Text: s.scheduleTable(sc, segs, days)}, nil
}

// scheduleTable renders segments as a fixed-width table.
func (s *Service) scheduleTable(sc *Schedule, segs []Segment, days int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*: the next %s (%s)\n```\n", sc.Name, blocks.Count(days, "day"), sc.Loc)
	fmt.Fprintf(&b, "%-21s  %-21s  %s\n", "from", "to", "on call")
	for _, g := range segs {
		who := s.name(g.User)
		if g.Override != nil {
			who += " (override " + g.Override.ID + ")"
		}
		fmt.Fprintf(&b, "%-21s  %-21s  %s\n", fmtTime(g.Start, sc.Loc), endText(g, sc.Loc), who)
	}
	b.WriteString("```")
	return b.String()
}
