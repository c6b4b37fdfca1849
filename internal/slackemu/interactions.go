package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
)

// Click sends block_actions as if user clicked the element actionID on the
// message at messageTS in channel, with value as its value (or selection).
// The payload carries the message with its current blocks, like Slack's.
func (s *Server) Click(user, channel, messageTS, actionID, value string) (Sent, error) {
	s.mu.Lock()
	u, err := s.userLocked(user)
	if err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	c, ok := s.channels[channel]
	if !ok {
		s.mu.Unlock()
		return Sent{}, fmt.Errorf("%w: %s", ErrUnknownChannel, channel)
	}
	rec, ok := c.messages[messageTS]
	if !ok || rec.msg.Deleted {
		s.mu.Unlock()
		return Sent{}, fmt.Errorf("%w: %s in %s", ErrNoSuchMessage, messageTS, channel)
	}
	actionTS := s.ts.next()
	p := wireBlockActions{
		Type: "block_actions", User: userRef(u), APIAppID: AppID, Token: verificationToken,
		Container: wireContainer{
			Type: "message", MessageTS: messageTS, ThreadTS: rec.msg.ThreadTS, ChannelID: c.ID,
			IsEphemeral: rec.msg.Ephemeral,
		},
		TriggerID:   s.issueTriggerLocked(user),
		Team:        teamRef(),
		Channel:     &wireChannelRef{ID: c.ID, Name: channelName(c)},
		State:       wireState{Values: map[string]map[string]map[string]any{}},
		ResponseURL: s.newResponseURLLocked(c.ID, user, messageTS),
		Actions:     []map[string]any{clickAction(rec.msg.Blocks, actionID, value, actionTS)},
	}
	if !rec.msg.Ephemeral {
		wm := toWireMessage(&rec.msg)
		p.Message = &wm
	}
	s.mu.Unlock()
	return s.sendInteraction(p, Sent{TriggerID: p.TriggerID, ResponseURL: p.ResponseURL, Channel: c.ID, ActionTS: actionTS})
}

// ClickInView sends block_actions as if user used the element actionID in
// the open view viewID (a modal or their Home tab).
func (s *Server) ClickInView(user, viewID, actionID, value string) (Sent, error) {
	s.mu.Lock()
	u, err := s.userLocked(user)
	if err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	v, ok := s.views[viewID]
	if !ok || v.User != user || !v.Open {
		s.mu.Unlock()
		return Sent{}, fmt.Errorf("%w: %s", ErrNoSuchView, viewID)
	}
	actionTS := s.ts.next()
	wv := toWireView(v)
	p := wireBlockActions{
		Type: "block_actions", User: userRef(u), APIAppID: AppID, Token: verificationToken,
		Container: wireContainer{Type: "view", ViewID: viewID},
		TriggerID: s.issueTriggerLocked(user),
		Team:      teamRef(),
		View:      &wv,
		State:     wireState{Values: map[string]map[string]map[string]any{}},
		Actions:   []map[string]any{clickAction(v.Blocks, actionID, value, actionTS)},
	}
	s.mu.Unlock()
	return s.sendInteraction(p, Sent{TriggerID: p.TriggerID, ViewID: viewID, ActionTS: actionTS})
}

func channelName(c *channelState) string {
	if c.IsIM {
		return "directmessage"
	}
	return c.Name
}

// clickAction builds the actions[0] of block_actions. An action the blocks
// no longer hold (a stale rendering) is still sent, as a button.
func clickAction(blocks json.RawMessage, actionID, value, actionTS string) map[string]any {
	el, _ := findElement(blocks, "", actionID)
	if el.typ == "" {
		el.typ = "button"
	}
	a := actionValue(el.typ, value, el.options)
	a["action_id"] = actionID
	a["block_id"] = el.blockID
	a["action_ts"] = actionTS
	if el.typ == "button" && len(el.text) > 0 {
		a["text"] = el.text
	}
	return a
}

func (s *Server) sendInteraction(p any, sent Sent) (Sent, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return Sent{}, err
	}
	sent.EnvelopeID, err = s.send("interactive", payload, nil)
	return sent, err
}

// ViewSubmission is the outcome of SubmitView: the envelope, the ack, and
// what the ack asked for.
type ViewSubmission struct {
	Sent
	Ack            Ack
	ResponseAction string            // "", "clear", "update", "push" or "errors"
	Errors         map[string]string // block_id -> message, for response_action "errors"
}

// SubmitView sends view_submission as if user pressed Submit on the open
// modal viewID with the given input values (block_id -> action_id ->
// value; selections are comma-separated), then waits for the ack and applies
// it: no response_action closes the modal, "clear" closes the stack,
// "update" and "push" change it, "errors" keeps it open.
func (s *Server) SubmitView(ctx context.Context, user, viewID string, values map[string]map[string]string) (ViewSubmission, error) {
	s.mu.Lock()
	u, err := s.userLocked(user)
	if err != nil {
		s.mu.Unlock()
		return ViewSubmission{}, err
	}
	v, ok := s.views[viewID]
	if !ok || v.User != user || !v.Open || v.Type != "modal" {
		s.mu.Unlock()
		return ViewSubmission{}, fmt.Errorf("%w: %s", ErrNoSuchView, viewID)
	}
	wv := toWireView(v)
	state := map[string]map[string]map[string]any{}
	for blockID, actions := range values {
		state[blockID] = map[string]map[string]any{}
		for actionID, val := range actions {
			el, _ := findElement(v.Blocks, blockID, actionID)
			state[blockID][actionID] = actionValue(el.typ, val, el.options)
		}
	}
	stateJSON, err := json.Marshal(wireState{Values: state})
	if err != nil {
		s.mu.Unlock()
		return ViewSubmission{}, err
	}
	wv.State = stateJSON
	p := wireViewSubmission{
		Type: "view_submission", Team: teamRef(), User: userRef(u), APIAppID: AppID, Token: verificationToken,
		TriggerID: s.issueTriggerLocked(user), View: wv, ResponseURLs: []string{},
	}
	s.mu.Unlock()
	payload, err := json.Marshal(p)
	if err != nil {
		return ViewSubmission{}, err
	}
	id, err := s.send("interactive", payload, func(a Ack) { s.applyViewAck(user, viewID, a) })
	if err != nil {
		return ViewSubmission{}, err
	}
	out := ViewSubmission{Sent: Sent{EnvelopeID: id, TriggerID: p.TriggerID, ViewID: viewID}}
	ack, err := s.WaitForAck(ctx, id)
	if err != nil {
		return out, err
	}
	out.Ack = ack
	out.ResponseAction, out.Errors = parseViewAck(ack.Payload)
	return out, nil
}

type viewAck struct {
	ResponseAction string            `json:"response_action"`
	View           json.RawMessage   `json:"view"`
	Errors         map[string]string `json:"errors"`
}

func parseViewAck(payload json.RawMessage) (string, map[string]string) {
	var va viewAck
	if len(payload) == 0 || json.Unmarshal(payload, &va) != nil {
		return "", nil
	}
	return va.ResponseAction, va.Errors
}

// applyViewAck changes the user's modals as a view_submission ack asks.
func (s *Server) applyViewAck(user, viewID string, a Ack) {
	var va viewAck
	if len(a.Payload) > 0 {
		_ = json.Unmarshal(a.Payload, &va)
	}
	s.mu.Lock()
	v, ok := s.views[viewID]
	if !ok {
		s.mu.Unlock()
		return
	}
	switch va.ResponseAction {
	case "errors":
	case "clear":
		s.closeStackLocked(user)
	case "update":
		if arg, code := parseViewArg(string(va.View), "modal"); code == "" {
			s.applyViewArgLocked(v, arg, string(va.View))
			v.Updates++
		}
	case "push":
		if arg, code := parseViewArg(string(va.View), "modal"); code == "" && len(s.stacks[user]) < 3 {
			s.pushViewLocked(user, "response_action", arg, string(va.View))
		}
	default:
		s.popViewLocked(user, viewID)
	}
	s.mu.Unlock()
	s.viewHub.notify()
}
