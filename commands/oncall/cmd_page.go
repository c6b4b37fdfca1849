package oncall

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

func (s *Service) cmdPage(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() < 2 {
		return nil, req.Command.UsageError("say whom to page and why")
	}
	p, err := s.page(ctx, req.Args.At(0), req.Args.Rest(1), req.UserID, req.Channel, "")
	if err != nil {
		return nil, err
	}
	var who []string
	for _, u := range p.Paged {
		who = append(who, mention(u.User))
	}
	text := fmt.Sprintf("Page %s sent to %s", p.ID, strings.Join(who, ", "))
	if len(who) == 0 {
		text = fmt.Sprintf("Page %s: nobody could be reached at level 1; escalating", p.ID)
	}
	var failed []string
	for _, u := range p.Failed {
		failed = append(failed, mention(u.User))
	}
	if len(failed) > 0 {
		text += fmt.Sprintf(" (the DM to %s failed)", strings.Join(failed, ", "))
	}
	if len(p.Levels) > 1 {
		text += fmt.Sprintf("; level 2 follows in %s unless someone acknowledges", fmtSpan(p.Levels[0].after()))
	}
	return &bot.Reply{Text: text + "." + unreachedText(p.Failed), Visibility: bot.VisibleInChannel}, nil
}

// clickAck is the Acknowledge button in a page DM.
func (s *Service) clickAck(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	id := req.Action.Value
	p, err := s.loadPage(ctx, id)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if p == nil {
		return nil, bot.Errorf(bot.CodeNotFound, "page %s no longer exists", id)
	}
	if !wasPaged(p, req.UserID) && req.Role < bot.RoleResponder {
		return nil, bot.Errorf(bot.CodeForbidden, "only the people paged for %s, or responders, can acknowledge it", id)
	}
	p, won, err := s.acknowledge(ctx, id, req.UserID)
	if errors.Is(err, ErrNoPage) {
		return nil, bot.Errorf(bot.CodeNotFound, "page %s no longer exists", id)
	}
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if !won {
		return &bot.Reply{Visibility: bot.VisibleToRequester, Text: fmt.Sprintf("%s was already acknowledged by %s at %s.",
			id, mention(p.AckedBy), blocks.Date(p.AckedAt, nil))}, nil
	}
	s.updateDMs(ctx, p, req.Action.MessageTS)
	level := 0
	for _, u := range p.Paged {
		if u.User == req.UserID {
			level = u.Level
		}
	}
	return &bot.Reply{ReplaceOriginal: true, Text: pageText(p), Blocks: pageBlocks(p, level)}, nil
}

func wasPaged(p *Page, user string) bool {
	for _, u := range p.Paged {
		if u.User == user {
			return true
		}
	}
	return false
}
