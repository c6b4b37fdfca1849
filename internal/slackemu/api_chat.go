package slackemu

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Slack's limits on a message.
const (
	maxTextChars     = 40000
	maxMessageBlocks = 50
	maxViewBlocks    = 100
)

type postMessageResp struct {
	OK      bool        `json:"ok"`
	Channel string      `json:"channel"`
	TS      string      `json:"ts"`
	Message wireMessage `json:"message"`
}

type updateResp struct {
	OK      bool        `json:"ok"`
	Channel string      `json:"channel"`
	TS      string      `json:"ts"`
	Text    string      `json:"text"`
	Message wireMessage `json:"message"`
}

type ephemeralResp struct {
	OK        bool   `json:"ok"`
	MessageTS string `json:"message_ts"`
}

type deleteResp struct {
	OK      bool   `json:"ok"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

type permalinkResp struct {
	OK        bool   `json:"ok"`
	Channel   string `json:"channel"`
	Permalink string `json:"permalink"`
}

// content is the text, blocks and attachments of a message argument set.
type content struct {
	text        string
	blocks      json.RawMessage
	attachments json.RawMessage
	hasText     bool
	hasBlocks   bool
	hasAtts     bool
}

// messageContent validates the message arguments of a chat call.
func messageContent(r *apiRequest) (content, string) {
	var c content
	c.text, c.hasText = r.get("text"), r.params.Has("text")
	if utf8.RuneCountInString(c.text) > maxTextChars {
		return c, "msg_too_long"
	}
	if raw := r.get("blocks"); raw != "" {
		blocks, code := parseBlocks(raw, maxMessageBlocks)
		if code != "" {
			return c, code
		}
		c.blocks, c.hasBlocks = blocks, true
	}
	if raw := strings.TrimSpace(r.get("attachments")); raw != "" {
		var atts []json.RawMessage
		if json.Unmarshal([]byte(raw), &atts) != nil {
			return c, "invalid_attachments"
		}
		if len(atts) > 0 {
			c.attachments = compact(raw)
		}
		c.hasAtts = true
	}
	return c, ""
}

// parseBlocks checks a JSON array of blocks: every block an object with a
// type, at most limit of them. Blocks without a block_id get one, as Slack
// gives them. An empty array gives nil blocks.
func parseBlocks(raw string, limit int) (json.RawMessage, string) {
	var blocks []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, "invalid_blocks_format"
	}
	if len(blocks) > limit {
		return nil, "invalid_blocks"
	}
	if blockProblem(decodeAny(raw), limit == maxViewBlocks) != "" {
		return nil, "invalid_blocks"
	}
	missingID := false
	for _, b := range blocks {
		var typ string
		if b == nil || json.Unmarshal(b["type"], &typ) != nil || typ == "" {
			return nil, "invalid_blocks"
		}
		if _, ok := b["block_id"]; !ok {
			b["block_id"], _ = json.Marshal(randomBlockID())
			missingID = true
		}
	}
	if len(blocks) == 0 {
		return nil, ""
	}
	if missingID {
		out, err := json.Marshal(blocks)
		if err != nil {
			return nil, "invalid_blocks"
		}
		return out, ""
	}
	return compact(raw), ""
}

func compact(raw string) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(raw)) != nil {
		return json.RawMessage(raw)
	}
	return buf.Bytes()
}

// canPostLocked says why the bot may not post into c, or "".
func canPostLocked(c *channelState) string {
	switch {
	case !botCanSeeLocked(c):
		return "channel_not_found"
	case c.IsArchived:
		return "is_archived"
	case !c.members[BotUserID]:
		return "not_in_channel"
	}
	return ""
}

// threadRootLocked turns a thread_ts that names a reply into its parent.
func threadRootLocked(c *channelState, threadTS string) string {
	if rec, ok := c.messages[threadTS]; ok && rec.msg.ThreadTS != "" {
		return rec.msg.ThreadTS
	}
	return threadTS
}

// postTarget checks a post's content and resolves the channel it goes
// to; it returns with s.mu held when the code is "".
func (s *Server) postTarget(r *apiRequest) (content, *channelState, string) {
	ct, code := messageContent(r)
	if code != "" {
		return ct, nil, code
	}
	if ct.text == "" && ct.blocks == nil && ct.attachments == nil {
		return ct, nil, "no_text"
	}
	s.mu.Lock()
	c, code := s.resolveChannelLocked(r.get("channel"))
	if code == "" {
		code = canPostLocked(c)
	}
	if code != "" {
		s.mu.Unlock()
	}
	return ct, c, code
}

func (s *Server) chatPostMessage(r *apiRequest) (any, string) {
	ct, c, code := s.postTarget(r)
	if code != "" {
		return nil, code
	}
	rec := s.addMessageLocked(c, Message{
		ThreadTS:       threadRootLocked(c, r.get("thread_ts")),
		User:           BotUserID,
		BotID:          BotID,
		Text:           ct.text,
		Blocks:         ct.blocks,
		Attachments:    ct.attachments,
		ReplyBroadcast: boolParam(r.get("reply_broadcast")),
		Source:         "chat.postMessage",
	})
	resp := postMessageResp{OK: true, Channel: c.ID, TS: rec.msg.TS, Message: toWireMessage(&rec.msg)}
	s.mu.Unlock()
	s.msgHub.notify()
	return resp, ""
}

func (s *Server) chatPostEphemeral(r *apiRequest) (any, string) {
	ct, c, code := s.postTarget(r)
	if code != "" {
		return nil, code
	}
	user := r.get("user")
	if u, ok := s.users[user]; !ok || u.Deleted {
		code = "user_not_found"
	} else if !c.members[user] {
		code = "user_not_in_channel"
	}
	if code != "" {
		s.mu.Unlock()
		return nil, code
	}
	rec := s.addMessageLocked(c, Message{
		ThreadTS:      threadRootLocked(c, r.get("thread_ts")),
		User:          BotUserID,
		BotID:         BotID,
		Text:          ct.text,
		Blocks:        ct.blocks,
		Attachments:   ct.attachments,
		Ephemeral:     true,
		EphemeralUser: user,
		Source:        "chat.postEphemeral",
	})
	resp := ephemeralResp{OK: true, MessageTS: rec.msg.TS}
	s.mu.Unlock()
	s.msgHub.notify()
	return resp, ""
}

// botMessageLocked finds a message the bot may change: it must exist, be
// visible, not ephemeral and not deleted.
func (s *Server) botMessageLocked(channel, ts, notMine string) (*channelState, *messageRec, string) {
	c, code := s.resolveChannelLocked(channel)
	if code != "" {
		return nil, nil, code
	}
	if !botCanSeeLocked(c) {
		return nil, nil, "channel_not_found"
	}
	rec, ok := c.messages[ts]
	if !ok || rec.msg.Deleted || rec.msg.Ephemeral {
		return nil, nil, "message_not_found"
	}
	if rec.msg.User != BotUserID {
		return nil, nil, notMine
	}
	return c, rec, ""
}

func (s *Server) chatUpdate(r *apiRequest) (any, string) {
	ct, code := messageContent(r)
	if code != "" {
		return nil, code
	}
	s.mu.Lock()
	c, rec, code := s.botMessageLocked(r.get("channel"), r.get("ts"), "cant_update_message")
	if code != "" {
		s.mu.Unlock()
		return nil, code
	}
	text, blocks, atts := rec.msg.Text, rec.msg.Blocks, rec.msg.Attachments
	if ct.hasText {
		text = ct.text
	}
	if ct.hasBlocks {
		blocks = ct.blocks
	}
	if ct.hasAtts {
		atts = ct.attachments
	}
	if text == "" && blocks == nil && atts == nil {
		s.mu.Unlock()
		return nil, "no_text"
	}
	rec.msg.Text, rec.msg.Blocks, rec.msg.Attachments = text, blocks, atts
	rec.msg.Edits++
	s.logChangeLocked(rec)
	resp := updateResp{OK: true, Channel: c.ID, TS: rec.msg.TS, Text: text, Message: toWireMessage(&rec.msg)}
	s.mu.Unlock()
	s.msgHub.notify()
	return resp, ""
}

func (s *Server) chatDelete(r *apiRequest) (any, string) {
	s.mu.Lock()
	c, rec, code := s.botMessageLocked(r.get("channel"), r.get("ts"), "cant_delete_message")
	if code != "" {
		s.mu.Unlock()
		return nil, code
	}
	rec.msg.Deleted = true
	s.logChangeLocked(rec)
	resp := deleteResp{OK: true, Channel: c.ID, TS: rec.msg.TS}
	s.mu.Unlock()
	s.msgHub.notify()
	return resp, ""
}

func (s *Server) chatGetPermalink(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, rec, code := s.visibleMessageLocked(r, "message_ts")
	if code != "" {
		return nil, code
	}
	ts := rec.msg.TS
	link := "https://" + TeamDomain + ".slack.com/archives/" + c.ID + "/p" + strings.Replace(ts, ".", "", 1)
	if rec.msg.ThreadTS != "" && rec.msg.ThreadTS != ts {
		link += "?thread_ts=" + rec.msg.ThreadTS + "&cid=" + c.ID
	}
	return permalinkResp{OK: true, Channel: c.ID, Permalink: link}, ""
}
