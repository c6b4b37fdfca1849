package summary

import (
	"context"
	"fmt"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/suggest"
)

// Commands returns `summary now`.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		{Verb: "summary now", Args: "[name] [here]", Role: bot.RoleViewer,
			Summary:  "Build a health summary now: shown to you only, or posted in this channel (with its chart) when you add here",
			Examples: []string{"summary now", "summary now here", "summary now payments"}, Handler: s.summaryNow},
	}
}

func (s *Service) summaryNow(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	name, here := "", false
	for i := 0; i < req.Args.Len(); i++ {
		switch a := req.Args.Arg(i); {
		case strings.EqualFold(a, "here"):
			here = true
		case name == "":
			name = a
		default:
			return nil, req.Command.UsageError("give at most one summary name, then here if it should be posted in this channel")
		}
	}
	sum, err := s.pick(name)
	if err != nil {
		return nil, err
	}
	if here && req.Role < bot.RoleResponder {
		return nil, bot.Errorf(bot.CodeForbidden, "posting a summary in the channel needs the %s role; you have %s (without here it is shown to you only)", bot.RoleResponder, req.Role)
	}
	b := s.Build(ctx, sum, s.d.Clock(), occasion{}, here)
	rep := &bot.Reply{Text: b.Message.Text, Blocks: b.Message.Blocks, Visibility: bot.VisibleToRequester}
	if here {
		rep.Visibility, rep.File = bot.VisibleInChannel, b.Chart
	}
	return rep, nil
}

// pick finds the summary called name: with no name, the unnamed one, the
// only one, or (none configured) one over everything in UTC.
func (s *Service) pick(name string) (Summary, error) {
	names := make([]string, 0, len(s.cfg))
	for _, sum := range s.cfg {
		if sum.Name == strings.ToLower(name) {
			return sum, nil
		}
		if sum.Name != "" {
			names = append(names, sum.Name)
		}
	}
	switch {
	case name == "" && len(s.cfg) == 0:
		return Summary{}, nil
	case name == "" && len(s.cfg) == 1:
		return s.cfg[0], nil
	case name == "":
		return Summary{}, bot.Errorf(bot.CodeInvalid, "say which summary: %s", strings.Join(names, ", "))
	}
	msg := fmt.Sprintf("there is no summary %s", blocks.Inline(name))
	switch near := suggest.Near(strings.ToLower(name), names, 3, 3); {
	case len(near) > 0:
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	case len(names) > 0:
		msg += "; the summaries are " + strings.Join(names, ", ")
	default:
		msg += "; none has a name (write `summary now`)"
	}
	return Summary{}, bot.Errorf(bot.CodeNotFound, "%s", msg)
}
