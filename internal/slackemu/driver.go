package slackemu

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Sent describes an envelope a driver helper sent, with the identifiers a
// test needs to follow it up.
type Sent struct {
	EnvelopeID  string
	TriggerID   string // slash commands and interactions
	ResponseURL string // slash commands and message interactions
	EventID     string // events_api envelopes
	EventTS     string // ts of the event (and of the user's message, for mentions and DMs)
	Channel     string
	ActionTS    string // block_actions
	ViewID      string // view_submission and view interactions
}

func nowUnix() int64 { return time.Now().Unix() }

// userLocked returns a user who may act, or ErrUnknownUser.
func (s *Server) userLocked(id string) (*User, error) {
	u, ok := s.users[id]
	if !ok || u.Deleted {
		return nil, fmt.Errorf("%w: %s", ErrUnknownUser, id)
	}
	return u, nil
}

// SlashCommand sends a slash_commands envelope as if user typed
// "command text" in channel. The command's trigger_id and response_url are
// in the returned Sent.
func (s *Server) SlashCommand(user, channel, command, text string) (Sent, error) {
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	s.mu.Lock()
	u, err := s.userLocked(user)
	if err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	c, code := s.resolveChannelLocked(channel)
	if code != "" {
		s.mu.Unlock()
		return Sent{}, fmt.Errorf("%w: %s", ErrUnknownChannel, channel)
	}
	name := c.Name
	if c.IsIM {
		name = "directmessage"
	}
	sent := Sent{Channel: c.ID, TriggerID: s.issueTriggerLocked(user), ResponseURL: s.newResponseURLLocked(c.ID, user, "")}
	s.mu.Unlock()
	payload, err := json.Marshal(wireSlashCommand{
		Token: verificationToken, TeamID: TeamID, TeamDomain: TeamDomain, ChannelID: c.ID, ChannelName: name,
		UserID: u.ID, UserName: u.Name, Command: command, Text: text, APIAppID: AppID,
		IsEnterpriseInstall: "false", ResponseURL: sent.ResponseURL, TriggerID: sent.TriggerID,
	})
	if err != nil {
		return Sent{}, err
	}
	sent.EnvelopeID, err = s.send("slash_commands", payload, nil)
	return sent, err
}

// Mention posts "<@UBOT> text" from user in channel and sends the
// app_mention event. The returned Sent.EventTS is the message's ts.
func (s *Server) Mention(user, channel, text string) (Sent, error) {
	return s.MentionInThread(user, channel, "", text)
}

// MentionInThread is Mention as a reply in the thread of threadTS.
func (s *Server) MentionInThread(user, channel, threadTS, text string) (Sent, error) {
	s.mu.Lock()
	c, err := s.userPostsLocked(user, channel)
	if err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	full := "<@" + BotUserID + "> " + text
	rec := s.addMessageLocked(c, Message{ThreadTS: threadRootLocked(c, threadTS), User: user, Text: full, Source: "user"})
	ev := wireMessageEvent{
		Type: "app_mention", ClientMsgID: newUUID(), User: user, Text: full, TS: rec.msg.TS,
		ThreadTS: rec.msg.ThreadTS, Team: TeamID, Channel: c.ID, EventTS: rec.msg.TS,
	}
	s.mu.Unlock()
	s.msgHub.notify()
	return s.sendEvent(ev, c.ID, rec.msg.TS)
}

// userPostsLocked checks that user may post in channel and the bot would
// hear it.
func (s *Server) userPostsLocked(user, channel string) (*channelState, error) {
	if _, err := s.userLocked(user); err != nil {
		return nil, err
	}
	c, ok := s.channels[channel]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownChannel, channel)
	}
	if !c.members[user] || !c.members[BotUserID] {
		return nil, fmt.Errorf("%w: %s", ErrNotInChannel, channel)
	}
	return c, nil
}

// DirectMessage posts text from user in their DM with the bot and sends
// the message event (channel_type "im").
func (s *Server) DirectMessage(user, text string) (Sent, error) {
	s.mu.Lock()
	if _, err := s.userLocked(user); err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	c, _, err := s.openDMLocked(user)
	if err != nil {
		s.mu.Unlock()
		return Sent{}, fmt.Errorf("%w: %s", ErrUnknownUser, user)
	}
	rec := s.addMessageLocked(c, Message{User: user, Text: text, Source: "user"})
	ev := wireMessageEvent{
		Type: "message", ClientMsgID: newUUID(), User: user, Text: text, TS: rec.msg.TS,
		Team: TeamID, Channel: c.ID, EventTS: rec.msg.TS, ChannelType: "im",
	}
	s.mu.Unlock()
	s.msgHub.notify()
	return s.sendEvent(ev, c.ID, rec.msg.TS)
}

// HomeOpened sends app_home_opened for user, with the Home view the bot
// published for them, if any.
func (s *Server) HomeOpened(user string) (Sent, error) {
	s.mu.Lock()
	if _, err := s.userLocked(user); err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	c, _, err := s.openDMLocked(user)
	if err != nil {
		s.mu.Unlock()
		return Sent{}, err
	}
	ev := wireHomeOpened{Type: "app_home_opened", User: user, Channel: c.ID, Tab: "home", EventTS: s.ts.next()}
	if v, ok := s.views[s.homes[user]]; ok {
		wv := toWireView(v)
		ev.View = &wv
	}
	s.mu.Unlock()
	return s.sendEvent(ev, c.ID, ev.EventTS)
}

func (s *Server) sendEvent(inner any, channel, ts string) (Sent, error) {
	payload, eventID, err := s.eventCallback(inner)
	if err != nil {
		return Sent{}, err
	}
	id, err := s.send("events_api", payload, nil)
	return Sent{EnvelopeID: id, EventID: eventID, EventTS: ts, Channel: channel}, err
}
