package oncall

import (
	"context"
	"fmt"
	"strings"

	"opsbot/bot"
)

func (s *Service) cmdWho(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() > 1 {
		return nil, req.Command.UsageError("give at most one schedule")
	}
	if name := req.Args.Arg(0); name != "" {
		sc, err := s.schedule(name)
		if err != nil {
			return nil, err
		}
		oc, err := s.WhoIsOnCall(ctx, sc.Name, s.now())
		if err != nil {
			return nil, err
		}
		return &bot.Reply{Text: s.whoDetail(oc)}, nil
	}
	if len(s.cfg.order) == 0 {
		return nil, bot.Errorf(bot.CodeNotFound, "no on-call schedules are configured (oncall.schedules in the config)")
	}
	text, err := s.whoAll(ctx)
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: text}, nil
}

// whoAll is one line per schedule.
func (s *Service) whoAll(ctx context.Context) (string, error) {
	all, err := s.overrides.all(ctx)
	if err != nil {
		return "", bot.Unavailable("the state store", err)
	}
	now := s.now()
	var b strings.Builder
	b.WriteString("*On call now*\n")
	for _, name := range s.cfg.order {
		sc := s.cfg.schedules[name]
		oc := whoAt(sc, all[name], now)
		fmt.Fprintf(&b, "• *%s*: %s %s", name, describeSegment(oc.Now), until(oc.Now, sc.Loc))
		if !oc.Now.End.IsZero() {
			fmt.Fprintf(&b, ", then %s", describeSegment(oc.Next))
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func (s *Service) whoDetail(oc OnCall) string {
	sc := oc.Schedule
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (%s, %s shifts)\n", sc.Name, sc.Loc, fmtSpan(sc.Shift))
	if oc.Now.User == "" {
		fmt.Fprintf(&b, "Nobody is on call: the rotation starts %s.", fmtTime(oc.Now.End, sc.Loc))
		return b.String()
	}
	fmt.Fprintf(&b, "On call now: %s %s\n", describeSegment(oc.Now), until(oc.Now, sc.Loc))
	if !oc.Now.End.IsZero() {
		fmt.Fprintf(&b, "Next: %s %s", describeSegment(oc.Next), until(oc.Next, sc.Loc))
	}
	if sc.UserGroup != "" {
		fmt.Fprintf(&b, "\nUser group: @%s", sc.UserGroup)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
