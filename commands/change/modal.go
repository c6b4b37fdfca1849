package change

import (
	"context"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// input is a text field of the change forms: a reason takes as much as
// Slack allows, the other fields a line.
func input(id, label, hint string, multiline bool) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(blocks.Plain(blocks.PlainCut(hint, blocks.MaxPlaceholder)), id)
	el.Multiline = multiline
	el.MaxLength = 500
	if multiline {
		el.MaxLength = blocks.MaxInputLength
	}
	return slack.NewInputBlock(id, blocks.Plain(blocks.PlainCut(label, blocks.MaxInputLabel)), nil, el)
}

func optional(b *slack.InputBlock) *slack.InputBlock {
	b.Optional = true
	return b
}

// fieldError is an error of Request about one part of the request, so
// the form shows it beside that field.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }

func (e *fieldError) Unwrap() error { return e.err }

// field is the form field an error belongs to: the one Request named,
// the window when one was given and the error is about it, else the
// action.
func field(err error, window string) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.field
	}
	if window != "" && strings.Contains(bot.UserMessage(err), "window") {
		return "window"
	}
	return "action"
}

func (s *Service) handleNew(context.Context, *bot.Request) (*bot.Reply, error) {
	return &bot.Reply{View: &slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "change.new", Title: blocks.ViewTitle("Request a change"), Submit: blocks.ViewTitle("Request"), Close: blocks.ViewTitle("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			input("action", "Action and values", "restart nginx", false),
			input("target", "Hosts", "a host, a group or labels like role=web,env=prod", false),
			// Slack adds "(optional)" to the label itself.
			optional(input("window", "Window", "2026-12-02 02:00 for 1h; empty runs it once approved", false)),
			input("reason", "Reason", "why this change is needed", true),
		}},
	}}, nil
}

func (s *Service) submitNew(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	v := func(id string) string { return strings.TrimSpace(req.View.Values[id][id]) }
	window := ""
	if w := v("window"); w != "" {
		window = " at " + strings.TrimPrefix(w, "at ")
	}
	r, err := ParseRequest(v("action") + " on " + strings.ReplaceAll(v("target"), " ", "") + window + " -- " + strings.ReplaceAll(v("reason"), "\n", " "))
	if err == nil && v("reason") == "" {
		return &bot.Reply{ViewErrors: map[string]string{"reason": "Say why the change is needed."}}, nil
	}
	if err != nil {
		return &bot.Reply{ViewErrors: map[string]string{field(err, window): bot.UserMessage(err)}}, nil
	}
	c, err := s.Request(ctx, r, req.UserID, req.Role, req.Channel)
	if err != nil {
		if code := bot.ErrorCode(err); code == bot.CodeInvalid || code == bot.CodeNotFound || code == bot.CodeForbidden {
			return &bot.Reply{ViewErrors: map[string]string{field(err, window): bot.UserMessage(err)}}, nil
		}
		return nil, err
	}
	return &bot.Reply{Text: requested(c), Visibility: bot.VisibleToRequester}, nil
}

func rejectModal(id string) *slack.ModalViewRequest {
	return &slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "change.reject", Title: blocks.ViewTitle("Reject " + id), Submit: blocks.ViewTitle("Reject"), Close: blocks.ViewTitle("Cancel"),
		PrivateMetadata: id,
		Blocks:          slack.Blocks{BlockSet: []slack.Block{input("reason", "Why?", "what is wrong with the change", true)}},
	}
}
