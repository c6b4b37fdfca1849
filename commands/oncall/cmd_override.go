package oncall

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"opsbot/bot"
)

func (s *Service) cmdOverride(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() < 4 {
		return nil, req.Command.UsageError("give a schedule, a person, a start and an end or duration")
	}
	sc, err := s.schedule(req.Args.Arg(0))
	if err != nil {
		return nil, err
	}
	user, err := s.resolveUser(req.Args.At(1))
	if err != nil {
		return nil, err
	}
	now := s.now()
	start, end, err := ParseRange(strings.Fields(req.Args.Rest(2)), now, sc.Loc)
	var te *TimeError
	if errors.As(err, &te) {
		return nil, req.Command.UsageError("%s", te.Msg)
	}
	if err != nil {
		return nil, err
	}
	o, err := s.overrides.add(ctx, Override{Schedule: sc.Name, User: user, Start: start, End: end, By: req.UserID, Created: now}, now)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	// Check now whether this changes who is on call; the check schedules
	// the next one.
	if err := s.steps.Schedule(ctx, StepHandoff, sc.Name, now, ""); err != nil {
		s.log.Warn("schedule handoff check after an override", "schedule", sc.Name, "err", err)
	}
	all, err := s.overrides.all(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	text := fmt.Sprintf("Override %s: %s is on call for *%s* from %s to %s (%s).", o.ID, mention(user), sc.Name,
		fmtTime(start, sc.Loc), fmtTime(end, sc.Loc), fmtSpan(end.Sub(start)))
	if ov := overlapping(all[sc.Name], o); len(ov) > 0 {
		text += "\n:warning: It overlaps " + strings.Join(describeOverrides(ov, sc), "; ") + ". Where overrides overlap, the newest wins."
	}
	return &bot.Reply{Text: text, Visibility: bot.VisibleInChannel}, nil
}

// overlapping lists the overrides in l, other than o, that share time with it.
func overlapping(l []Override, o Override) []Override {
	var out []Override
	for _, p := range l {
		if p.ID != o.ID && p.overlaps(o) {
			out = append(out, p)
		}
	}
	return out
}

func describeOverrides(l []Override, sc *Schedule) []string {
	var out []string
	for _, o := range l {
		out = append(out, fmt.Sprintf("%s (%s, %s → %s)", o.ID, mention(o.User), fmtTime(o.Start, sc.Loc), fmtTime(o.End, sc.Loc)))
	}
	return out
}

func (s *Service) cmdOverrides(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	name := ""
	if a := req.Args.Arg(0); a != "" {
		sc, err := s.schedule(a)
		if err != nil {
			return nil, err
		}
		name = sc.Name
	}
	all, err := s.overrides.all(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	now := s.now()
	var live []Override
	for _, o := range sortedOverrides(all, name) {
		if o.End.After(now) {
			live = append(live, o)
		}
	}
	if len(live) == 0 {
		where := ""
		if name != "" {
			where = " for " + name
		}
		return bot.Text("No current or future overrides" + where + "."), nil
	}
	var b strings.Builder
	b.WriteString("*Overrides* (current and future)\n")
	for _, o := range live {
		sc := s.cfg.schedules[o.Schedule]
		if sc == nil {
			continue // its schedule left the config
		}
		state := ""
		if !o.Start.After(now) {
			state = " *(now)*"
		}
		fmt.Fprintf(&b, "• `%s` *%s*: %s, %s → %s, by %s%s", o.ID, o.Schedule, mention(o.User), fmtTime(o.Start, sc.Loc), fmtTime(o.End, sc.Loc), mention(o.By), state)
		var ids []string
		for _, p := range overlapping(all[o.Schedule], o) {
			if p.End.After(now) {
				ids = append(ids, p.ID)
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(&b, " :warning: overlaps %s", strings.Join(ids, ", "))
		}
		b.WriteString("\n")
	}
	return bot.Text(strings.TrimSuffix(b.String(), "\n")), nil
}

// parseOverrideID reads an override id as people type it: OVR-4 in any
// case, with its prefix cut short (OV-4), left out (4) or as #4.
func parseOverrideID(s string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, p := range []string{"OVR-", "OVR", "OV-", "#"} {
		if rest, ok := strings.CutPrefix(u, p); ok {
			u = rest
			break
		}
	}
	n, err := strconv.ParseUint(u, 10, 63)
	if err != nil || n == 0 {
		return "", false
	}
	return "OVR-" + strconv.FormatUint(n, 10), true
}

func (s *Service) cmdRemoveOverride(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	id, ok := parseOverrideID(req.Args.Arg(0))
	if req.Args.Len() != 1 || !ok {
		return nil, req.Command.UsageError("give one override id, like OVR-4 (`oncall overrides` lists them)")
	}
	o, ok, err := s.overrides.remove(ctx, id)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if !ok {
		return nil, bot.Errorf(bot.CodeNotFound, "there is no override %s; `oncall overrides` lists them", id)
	}
	if err := s.steps.Schedule(ctx, StepHandoff, o.Schedule, s.now(), ""); err != nil {
		s.log.Warn("schedule handoff check after removing an override", "schedule", o.Schedule, "err", err)
	}
	return &bot.Reply{Text: fmt.Sprintf("Removed override %s (%s on *%s*).", o.ID, mention(o.User), o.Schedule), Visibility: bot.VisibleInChannel}, nil
}
