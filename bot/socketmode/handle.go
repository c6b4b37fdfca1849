package socketmode

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"opsbot/bot"
)

// viewTimeout leaves time to ack a submission within Slack's 3 s.
const viewTimeout = 2500 * time.Millisecond

// acker acknowledges envelopes; *socketmode.Client is one.
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// envelope acks first, then de-duplicates and hands the work to a
// goroutine, so the event loop never waits on a handler. Every goroutine
// it starts is recovered: a payload that makes a handler panic is logged,
// counted and answered "internal error", and the bot serves on.
func (t *Transport) envelope(work context.Context, client acker, evt socketmode.Event) {
	defer t.panics.Recover("socketmode.envelope", nil)
	typ := string(evt.Type)
	if evt.Request == nil {
		t.m.envelopes.WithLabelValues(typ, "ignored").Inc()
		if evt.Type == socketmode.EventTypeErrorBadMessage || evt.Type == socketmode.EventTypeIncomingError {
			t.log.Warn("unreadable message from Slack ignored", "type", typ)
		}
		return
	}
	// A view submission is answered in its ack (validation errors), so
	// it is handled before acking; everything else is acked at once.
	if cb, ok := evt.Data.(slack.InteractionCallback); ok && cb.Type == slack.InteractionTypeViewSubmission {
		t.inflight.Add(1)
		go func() {
			defer t.inflight.Done()
			t.viewSubmission(work, client, evt.Request, cb)
		}()
		return
	}
	start := time.Now()
	t.ack(client, evt.Request, nil)
	t.m.ackSeconds.Observe(time.Since(start).Seconds())

	req, id := t.request(evt)
	if req == nil {
		t.m.envelopes.WithLabelValues(typ, "ignored").Inc()
		if evt.Type == socketmode.EventTypeEventsAPI {
			t.maybeHome(work, evt)
		}
		return
	}
	t.inflight.Add(1)
	go func() {
		defer t.inflight.Done()
		defer t.panics.Recover("socketmode.handler", func(err error) { t.deliver(work, req, nil, err) })
		if !t.first(work, id, evt.Request.EnvelopeID) {
			t.m.envelopes.WithLabelValues(typ, "duplicate").Inc()
			t.log.Debug("redelivered envelope dropped", "envelope", evt.Request.EnvelopeID, "id", id)
			return
		}
		t.log.Debug("envelope", "type", typ, "envelope", evt.Request.EnvelopeID, "id", id, "user", req.UserID, "channel", req.Channel)
		t.m.envelopes.WithLabelValues(typ, "handled").Inc()
		rep, err := t.router.Dispatch(work, req)
		t.deliver(work, req, rep, err)
	}()
}

// ackWait bounds how long an ack may wait for the connection's writer.
// Between connections slack-go's writer is gone; blocking there would stall
// the event loop and with it slack-go's reconnect. An ack lost this way is
// made good by Slack's redelivery, which de-duplication absorbs.
const ackWait = 250 * time.Millisecond

func (t *Transport) ack(client acker, env *socketmode.Request, payload any) {
	ctx, cancel := context.WithTimeout(context.Background(), ackWait)
	defer cancel()
	if err := client.AckCtx(ctx, env.EnvelopeID, payload); err != nil {
		t.log.Warn("ack not sent", "envelope", env.EnvelopeID, "err", err)
	}
}

// first reports whether this payload is seen for the first time. When the
// store cannot say, it is handled: a rare double beats a lost command, and
// state transitions are atomic in Redis anyway.
func (t *Transport) first(ctx context.Context, id, envelopeID string) bool {
	if id == "" {
		id = "envelope:" + envelopeID
	}
	ok, err := t.dedupe.Once(ctx, "slack:"+id, t.cfg.DedupeTTL)
	if err != nil {
		t.log.Warn("could not check for a redelivered envelope; handling it", "id", id, "err", err)
		return true
	}
	return ok
}

// request turns an envelope into a router request, with the id that
// identifies its payload across redeliveries; nil when there is nothing
// to route.
func (t *Transport) request(evt socketmode.Event) (*bot.Request, string) {
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		return &bot.Request{UserID: data.UserID, UserName: data.UserName, Channel: data.ChannelID,
			Text: commandText(data.Command, data.Text, t.cfg.Commands), Trigger: bot.TriggerSlash,
			TriggerID: data.TriggerID, ResponseURL: data.ResponseURL}, "trigger:" + data.TriggerID
	case slackevents.EventsAPIEvent:
		return t.eventRequest(data)
	case slack.InteractionCallback:
		if data.Type != slack.InteractionTypeBlockActions || len(data.ActionCallback.BlockActions) == 0 || data.ActionCallback.BlockActions[0] == nil {
			return nil, ""
		}
		a := data.ActionCallback.BlockActions[0]
		ch := data.Channel.ID
		if ch == "" {
			ch = data.Container.ChannelID
		}
		msgTS := data.Container.MessageTs
		if msgTS == "" {
			msgTS = data.Message.Timestamp
		}
		return &bot.Request{UserID: data.User.ID, UserName: data.User.Name, Channel: ch, Thread: data.Message.ThreadTimestamp,
			Trigger: bot.TriggerAction, TriggerID: data.TriggerID, ResponseURL: data.ResponseURL,
			Action: &bot.Action{ID: a.ActionID, Value: a.Value, MessageTS: msgTS, BlockID: a.BlockID}}, "trigger:" + data.TriggerID
	}
	return nil, ""
}

func (t *Transport) eventRequest(e slackevents.EventsAPIEvent) (*bot.Request, string) {
	id := ""
	if cb, ok := e.Data.(*slackevents.EventsAPICallbackEvent); ok && cb != nil {
		id = "event:" + cb.EventID
	}
	switch ev := e.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if ev == nil || ev.User == "" || ev.BotID != "" || ev.User == t.botUserID {
			return nil, ""
		}
		thread := ev.ThreadTimeStamp
		if thread == "" {
			thread = ev.TimeStamp
		}
		return &bot.Request{UserID: ev.User, Channel: ev.Channel, Thread: thread, Text: t.stripMention(ev.Text), Trigger: bot.TriggerMention}, id
	case *slackevents.MessageEvent:
		if ev == nil || ev.ChannelType != "im" || ev.BotID != "" || ev.SubType != "" || ev.User == "" || ev.User == t.botUserID {
			return nil, ""
		}
		return &bot.Request{UserID: ev.User, Channel: ev.Channel, Thread: ev.ThreadTimeStamp, Text: t.stripMention(ev.Text), Trigger: bot.TriggerDM}, id
	}
	return nil, ""
}

// stripMention removes "<@UBOT>" from the text of a mention.
func (t *Transport) stripMention(text string) string {
	text = strings.TrimSpace(text)
	for _, m := range []string{"<@" + t.botUserID + ">", "<@" + t.botUserID + "|"} {
		if i := strings.Index(text, m); i >= 0 {
			end := strings.IndexByte(text[i:], '>')
			text = strings.TrimSpace(text[:i] + " " + text[i+end+1:])
		}
	}
	return text
}

// commandText prefixes the text of an alias slash command with its verb
// group: "/incident ack INC-4" reads as "incident ack INC-4".
func commandText(command, text string, commands []string) string {
	if len(commands) > 0 && command == commands[0] {
		return text
	}
	return strings.TrimPrefix(command, "/") + " " + text
}

// viewMeta wraps a handler's private metadata with where the modal was
// opened from, so the submission can answer there.
type viewMeta struct {
	Channel string `json:"c,omitempty"`
	Thread  string `json:"t,omitempty"`
	Meta    string `json:"m,omitempty"`
}

func (t *Transport) viewSubmission(work context.Context, client acker, env *socketmode.Request, cb slack.InteractionCallback) {
	acked := false
	var req *bot.Request
	defer t.panics.Recover("socketmode.view", func(err error) {
		if !acked {
			t.ack(client, env, nil)
		}
		if req != nil {
			if req.Channel == "" {
				req.Channel = cb.User.ID
			}
			t.deliver(work, req, nil, err)
		}
	})
	ackWith := func(payload any) { acked = true; t.ack(client, env, payload) }
	if cb.User.ID == "" || cb.View.ID == "" && cb.View.CallbackID == "" {
		// Nothing to answer, or nothing to answer for: a submission
		// without its view or user is not one Slack sends.
		ackWith(nil)
		t.m.envelopes.WithLabelValues("view_submission", "ignored").Inc()
		t.log.Warn("view submission without a view or user ignored", "envelope", env.EnvelopeID)
		return
	}
	var meta viewMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
		meta.Meta = cb.View.PrivateMetadata
	}
	values := map[string]map[string]string{}
	if cb.View.State != nil {
		for block, actions := range cb.View.State.Values {
			values[block] = map[string]string{}
			for action, v := range actions {
				values[block][action] = actionValue(v)
			}
		}
	}
	req = &bot.Request{UserID: cb.User.ID, Channel: meta.Channel, Thread: meta.Thread, Trigger: bot.TriggerView, TriggerID: cb.TriggerID,
		View: &bot.ViewSubmission{CallbackID: cb.View.CallbackID, ViewID: cb.View.ID, PrivateMetadata: meta.Meta, Values: values}}
	if !t.first(work, "trigger:"+cb.TriggerID+":"+cb.View.ID, env.EnvelopeID) {
		ackWith(nil)
		t.m.envelopes.WithLabelValues("view_submission", "duplicate").Inc()
		return
	}
	ctx, cancel := context.WithTimeout(work, viewTimeout)
	rep, err := t.router.Dispatch(ctx, req)
	cancel()
	if err == nil && rep != nil && len(rep.ViewErrors) > 0 {
		ackWith(slack.NewErrorsViewSubmissionResponse(rep.ViewErrors))
		t.m.envelopes.WithLabelValues("view_submission", "rejected").Inc()
		return
	}
	ackWith(nil)
	t.m.envelopes.WithLabelValues("view_submission", "handled").Inc()
	if req.Channel == "" {
		req.Channel = cb.User.ID // answer in a DM
	}
	t.deliver(work, req, rep, err)
}

func actionValue(v slack.BlockAction) string {
	switch {
	case v.Value != "":
		return v.Value
	case v.SelectedOption.Value != "":
		return v.SelectedOption.Value
	case v.SelectedUser != "":
		return v.SelectedUser
	case v.SelectedChannel != "":
		return v.SelectedChannel
	case v.SelectedDate != "":
		return v.SelectedDate
	case len(v.SelectedOptions) > 0:
		var out []string
		for _, o := range v.SelectedOptions {
			out = append(out, o.Value)
		}
		return strings.Join(out, ",")
	case len(v.SelectedUsers) > 0:
		return strings.Join(v.SelectedUsers, ",")
	}
	return ""
}
