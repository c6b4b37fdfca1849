package console

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"opsbot/bot"
)

// form fills a modal in the terminal: each input block is asked for on
// its own line, then the view is submitted like Slack would. What Slack
// refuses before a submission (a choice not offered, a required field
// left blank, text over its max_length) is refused at the field and asked
// again; errors the submission answers with (ViewErrors) keep the form
// open, as in Slack: they are shown beside their fields, which are asked
// again, while the other answers stay.
func (c *Console) form(ctx context.Context, req *bot.Request, v *slack.ModalViewRequest) {
	c.printf("== %s == (one answer per line; an empty line leaves an optional field blank)\n", textOf(v.Title))
	var inputs []*slack.InputBlock
	for _, blk := range v.Blocks.BlockSet {
		if in, ok := blk.(*slack.InputBlock); ok {
			inputs = append(inputs, in)
		}
	}
	values := map[string]map[string]string{}
	ask, errs := inputs, map[string]string(nil)
	for {
		for _, in := range ask {
			if msg := errs[in.BlockID]; msg != "" {
				c.printf("! %s: %s\n", textOf(in.Label), c.names.Mrkdwn(msg))
			}
			answer, ok := c.field(ctx, in)
			if !ok {
				c.printf("\n(form abandoned)\n")
				return
			}
			values[in.BlockID] = map[string]string{actionID(in.Element): answer}
		}
		sub := &bot.Request{UserID: req.UserID, Channel: req.Channel, Trigger: bot.TriggerView,
			View: &bot.ViewSubmission{CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, Values: values}}
		rep, err := c.d.Dispatch(ctx, sub)
		if err != nil || rep == nil || len(rep.ViewErrors) == 0 {
			c.reply(ctx, sub, rep, err)
			return
		}
		ask, errs = nil, rep.ViewErrors
		for _, in := range inputs {
			if _, bad := errs[in.BlockID]; bad {
				ask = append(ask, in)
			}
		}
		if len(ask) == 0 { // errors on nothing that can be answered again
			for block, msg := range errs {
				c.printf("! %s: %s\n", block, c.names.Mrkdwn(msg))
			}
			return
		}
	}
}

// field asks for one input until the answer is one Slack would take.
func (c *Console) field(ctx context.Context, in *slack.InputBlock) (string, bool) {
	opts := options(in.Element)
	for {
		c.printf("%s%s%s: ", textOf(in.Label), map[bool]string{true: " (optional)", false: ""}[in.Optional], choices(opts))
		line, ok := c.nextLine(ctx)
		if !ok {
			return "", false
		}
		c.printf("%s\n", line)
		answer, msg := check(in, opts, strings.TrimSpace(line))
		if msg == "" {
			return answer, true
		}
		c.printf("! %s\n", msg)
	}
}

// check returns the value an answer gives the field, or why Slack would
// not take it.
func check(in *slack.InputBlock, opts []*slack.OptionBlockObject, answer string) (string, string) {
	if answer == "" {
		if in.Optional {
			return "", ""
		}
		return "", "this field is required"
	}
	if len(opts) > 0 {
		for i, o := range opts {
			if strings.EqualFold(answer, o.Value) || strings.EqualFold(answer, textOf(o.Text)) || answer == strconv.Itoa(i+1) {
				return o.Value, ""
			}
		}
		return "", "choose one of" + choices(opts)
	}
	if el, ok := in.Element.(*slack.PlainTextInputBlockElement); ok && el.MaxLength > 0 {
		if n := utf8.RuneCountInString(answer); n > el.MaxLength {
			return "", fmt.Sprintf("that is %d characters; this field takes at most %d", n, el.MaxLength)
		}
	}
	return answer, ""
}

// options are the choices of a static select.
func options(e slack.BlockElement) []*slack.OptionBlockObject {
	if el, ok := e.(*slack.SelectBlockElement); ok && el.Type == slack.OptTypeStatic {
		return el.Options
	}
	return nil
}

// choices is " [1 sev1, 2 sev2]" for a select's options, "" for none.
func choices(opts []*slack.OptionBlockObject) string {
	if len(opts) == 0 {
		return ""
	}
	var l []string
	for i, o := range opts {
		l = append(l, strconv.Itoa(i+1)+" "+o.Value)
	}
	return " [" + strings.Join(l, ", ") + "]"
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
