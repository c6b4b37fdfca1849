package socketmode

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/outbox"
)

// deliver sends a handler's answer where the request came from. Failures
// to deliver are logged and counted by the outbox; where possible the
// requester is told.
func (t *Transport) deliver(ctx context.Context, req *bot.Request, rep *bot.Reply, err error) {
	if err != nil {
		if bot.ErrorCode(err) == bot.CodeInternal {
			t.log.Error("command failed", "verb", verbOf(req), "user", req.UserID, "err", err)
		}
		t.private(ctx, req, ":warning: "+bot.UserMessage(err), nil)
		return
	}
	if rep == nil {
		return
	}
	if rep.View != nil {
		t.openView(ctx, req, rep.View)
	}
	if rep.Text != "" || len(rep.Blocks) > 0 {
		t.send(ctx, req, rep)
	}
	if rep.File != nil {
		thread := req.Thread
		if req.Action != nil && thread == "" {
			thread = req.Action.MessageTS
		}
		if uerr := t.out.Upload(ctx, req.Channel, thread, *rep.File); uerr != nil {
			t.private(ctx, req, "I could not upload "+rep.File.Name+": "+outbox.Advice(uerr), nil)
		}
	}
}

func (t *Transport) send(ctx context.Context, req *bot.Request, rep *bot.Reply) {
	if rep.ReplaceOriginal && req.Action != nil {
		err := t.out.Update(ctx, req.Channel, req.Action.MessageTS, bot.Message{Text: rep.Text, Blocks: rep.Blocks})
		if err == nil {
			return
		}
		if req.ResponseURL != "" && t.respond(ctx, req, rep.Text, rep.Blocks, "", true) == nil {
			return
		}
		t.private(ctx, req, "I could not update that message: "+outbox.Advice(err), nil)
		return
	}
	switch visibility(req, rep.Visibility) {
	case bot.VisibleToRequester:
		t.private(ctx, req, rep.Text, rep.Blocks)
	case bot.VisibleInThread:
		thread := req.Thread
		if thread == "" && req.Action != nil {
			thread = req.Action.MessageTS
		}
		t.public(ctx, req, bot.Message{Channel: req.Channel, Thread: thread, Text: rep.Text, Blocks: rep.Blocks})
	default:
		t.public(ctx, req, bot.Message{Channel: req.Channel, Text: rep.Text, Blocks: rep.Blocks})
	}
}

// visibility resolves the default: private answers to slash commands and
// clicks, threaded answers to mentions, plain replies in DMs.
func visibility(req *bot.Request, v bot.Visibility) bot.Visibility {
	if v != bot.VisibleDefault {
		return v
	}
	switch req.Trigger {
	case bot.TriggerMention:
		return bot.VisibleInThread
	case bot.TriggerDM, bot.TriggerView:
		return bot.VisibleInChannel
	default:
		return bot.VisibleToRequester
	}
}

// public posts to the channel; where opsbot is not a member, a slash
// command still gets its answer in the channel through response_url.
func (t *Transport) public(ctx context.Context, req *bot.Request, m bot.Message) {
	_, err := t.out.Post(ctx, m)
	if err == nil {
		return
	}
	var se slack.SlackErrorResponse
	if req.ResponseURL != "" && errors.As(err, &se) && (se.Err == "not_in_channel" || se.Err == "channel_not_found") {
		if t.respond(ctx, req, m.Text, m.Blocks, slack.ResponseTypeInChannel, false) == nil {
			return
		}
	}
	t.private(ctx, req, "I could not post the answer: "+outbox.Advice(err), nil)
}

// private shows a message to the requester only.
func (t *Transport) private(ctx context.Context, req *bot.Request, text string, blocks []slack.Block) {
	if req.ResponseURL != "" && t.respond(ctx, req, text, blocks, slack.ResponseTypeEphemeral, false) == nil {
		return
	}
	m := bot.Message{Channel: req.Channel, Thread: req.Thread, Text: text, Blocks: blocks, EphemeralTo: req.UserID}
	if req.Trigger == bot.TriggerDM || req.Channel == "" {
		m.EphemeralTo, m.Channel = "", req.UserID
	}
	if _, err := t.out.Post(ctx, m); err != nil {
		t.log.Error("answer not delivered", "user", req.UserID, "channel", req.Channel, "err", err)
	}
}

func (t *Transport) respond(ctx context.Context, req *bot.Request, text string, blocks []slack.Block, typ string, replace bool) error {
	msg := slack.WebhookMessage{Text: text, ResponseType: typ, ReplaceOriginal: replace}
	if len(blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: blocks}
	}
	return t.out.Respond(ctx, t.http, req.ResponseURL, msg)
}

func (t *Transport) openView(ctx context.Context, req *bot.Request, v *slack.ModalViewRequest) {
	meta, _ := json.Marshal(viewMeta{Channel: req.Channel, Thread: req.Thread, Meta: v.PrivateMetadata})
	view := *v
	view.PrivateMetadata = string(meta)
	if _, err := t.api.OpenViewContext(ctx, req.TriggerID, view); err != nil {
		t.log.Warn("open modal", "callback", v.CallbackID, "err", err)
		t.private(ctx, req, "I could not open the form ("+errText(err)+"). Try again, or type the command with its arguments instead.", nil)
	}
}

func errText(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return "Slack did not answer"
}

func verbOf(req *bot.Request) string {
	if req.Command != nil {
		return req.Command.Verb
	}
	return ""
}
