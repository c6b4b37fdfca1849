package console

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// form fills a modal in the terminal: each input block is asked for on
// its own line, then the view is submitted like Slack would.
func (c *Console) form(ctx context.Context, req *bot.Request, v *slack.ModalViewRequest) {
	c.printf("== %s == (one answer per line; an empty line leaves an optional field blank)\n", textOf(v.Title))
	values := map[string]map[string]string{}
	for _, blk := range v.Blocks.BlockSet {
		in, ok := blk.(*slack.InputBlock)
		if !ok {
			continue
		}
		c.printf("%s%s: ", textOf(in.Label), map[bool]string{true: " (optional)", false: ""}[in.Optional])
		line, ok := c.nextLine(ctx)
		if !ok {
			c.printf("\n(form abandoned)\n")
			return
		}
		values[in.BlockID] = map[string]string{actionID(in.Element): strings.TrimSpace(line)}
		c.printf("%s\n", line)
	}
	sub := &bot.Request{UserID: req.UserID, Channel: req.Channel, Trigger: bot.TriggerView,
		View: &bot.ViewSubmission{CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, Values: values}}
	c.answer(ctx, sub)
}

func actionID(e slack.BlockElement) string {
	switch el := e.(type) {
	case *slack.PlainTextInputBlockElement:
		return el.ActionID
	case *slack.SelectBlockElement:
		return el.ActionID
	case *slack.MultiSelectBlockElement:
		return el.ActionID
	case *slack.DateTimePickerBlockElement:
		return el.ActionID
	}
	return ""
}
