package incident

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// click applies a button's transition. A refused one (a stale button)
// is answered, to the clicker only, with what is true now, and the
// message is refreshed in case it was behind.
func (s *Service) click(ctx context.Context, req *bot.Request, c transitionArgs) (*bot.Reply, error) {
	n, ok := ParseID(req.Action.Value)
	if !ok {
		return nil, bot.Errorf(bot.CodeInvalid, "this button does not name an incident")
	}
	c.actor = req.UserID
	outcome, inc, err := s.transition(ctx, n, c)
	if err != nil {
		return nil, err
	}
	if outcome != "ok" {
		s.refresh(ctx, inc)
		return &bot.Reply{Visibility: bot.VisibleToRequester, Text: s.conflict(outcome, c, inc) + " Now: " + messageText(inc)}, nil
	}
	// The message itself was updated with the change; nothing more to say.
	return nil, nil
}

func (s *Service) clickAck(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return s.click(ctx, req, transitionArgs{op: "ack"})
}

func (s *Service) clickResolve(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return s.click(ctx, req, transitionArgs{op: "resolve"})
}

func (s *Service) clickCommander(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return s.click(ctx, req, transitionArgs{op: "role", arg: "commander", arg2: req.UserID})
}

const fieldNote = "note"

// clickNote opens the note form for the incident on the button.
func (s *Service) clickNote(_ context.Context, req *bot.Request) (*bot.Reply, error) {
	n, ok := ParseID(req.Action.Value)
	if !ok {
		return nil, bot.Errorf(bot.CodeInvalid, "this button does not name an incident")
	}
	in := slack.NewPlainTextInputBlockElement(blocks.Plain("What happened, what you found (start with follow-up: for an action item)"), fieldNote).WithMultiline(true).WithMaxLength(MaxNote)
	return &bot.Reply{View: &slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           blocks.Plain("Note on " + FormatID(n)),
		Submit:          blocks.Plain("Add note"),
		Close:           blocks.Plain("Cancel"),
		CallbackID:      "incident.note",
		PrivateMetadata: FormatID(n),
		Blocks:          slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock(fieldNote, blocks.Plain("Note"), nil, in)}},
	}}, nil
}

func (s *Service) submitNote(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, ok := ParseID(req.View.PrivateMetadata)
	if !ok {
		return nil, bot.Errorf(bot.CodeInvalid, "this form does not name an incident")
	}
	text := strings.TrimSpace(req.View.Values[fieldNote][fieldNote])
	if text == "" {
		return &bot.Reply{ViewErrors: map[string]string{fieldNote: "write the note"}}, nil
	}
	if n := utf8.RuneCountInString(text); n > MaxNote {
		return &bot.Reply{ViewErrors: map[string]string{fieldNote: fmt.Sprintf("the note is %d characters long; keep it under %d, or add several", n, MaxNote)}}, nil
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "note", actor: req.UserID, arg: text})
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: fmt.Sprintf("Noted in the timeline of %s.", inc.ID()), Visibility: bot.VisibleToRequester}, nil
}
