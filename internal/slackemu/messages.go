package slackemu

import (
	"encoding/json"
	"slices"
	"sort"
	"time"
)

// Message is a message as the emulator holds it now: after any chat.update
// or replace_original its Text and Blocks are the current ones.
type Message struct {
	Channel        string
	TS             string
	ThreadTS       string // parent ts for a thread reply; empty otherwise
	User           string // author; BotUserID for everything the bot posted
	BotID          string // BotID when the app posted it
	Text           string
	Blocks         json.RawMessage // JSON array, nil when the message has none
	Attachments    json.RawMessage
	Ephemeral      bool   // visible to EphemeralUser only
	EphemeralUser  string // target of an ephemeral message
	Deleted        bool
	Pinned         bool     // pinned with pins.add
	Edits          int      // how many times it was updated
	Files          []string // file IDs shared with the message
	ReplyBroadcast bool
	Source         string // "chat.postMessage", "chat.postEphemeral", "response_url", "files.completeUploadExternal" or "user"
	Posted         time.Time
	Updated        time.Time
}

// FromApp reports whether the bot (the app under test) wrote the message.
func (m Message) FromApp() bool { return m.BotID != "" }

// messageRec is the stored form; guarded by Server.mu.
type messageRec struct {
	msg Message
	seq uint64 // position in the change log of its last change
}

// addMessageLocked stores a new message and logs the change.
func (s *Server) addMessageLocked(c *channelState, m Message) *messageRec {
	now := time.Now()
	m.Channel = c.ID
	if m.TS == "" {
		m.TS = s.ts.next()
	}
	m.Posted, m.Updated = now, now
	rec := &messageRec{msg: m}
	c.messages[m.TS] = rec
	s.logChangeLocked(rec)
	return rec
}

// logChangeLocked appends a message to the change log that WaitForMessage
// reads; callers notify s.msgHub after unlocking.
func (s *Server) logChangeLocked(rec *messageRec) {
	rec.msg.Updated = time.Now()
	s.msgLog = append(s.msgLog, rec)
	rec.seq = uint64(len(s.msgLog))
}

func (m Message) clone() Message {
	m.Blocks = slices.Clone(m.Blocks)
	m.Attachments = slices.Clone(m.Attachments)
	m.Files = slices.Clone(m.Files)
	return m
}

// Messages returns the messages of a channel, oldest first, including
// deleted and ephemeral ones (see Message.Deleted and Message.Ephemeral).
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		return nil
	}
	out := make([]Message, 0, len(c.messages))
	for _, rec := range c.messages {
		out = append(out, rec.msg.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TS < out[j].TS })
	return out
}

// Message returns one message by channel and ts.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		return Message{}, false
	}
	rec, ok := c.messages[ts]
	if !ok {
		return Message{}, false
	}
	return rec.msg.clone(), true
}

// Replies returns the thread replies to the message at threadTS, oldest first.
func (s *Server) Replies(channel, threadTS string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.ThreadTS == threadTS && m.TS != threadTS {
			out = append(out, m)
		}
	}
	return out
}

// MessageSeq returns the current position of the message change log. Pass it
// to WaitForMessageAfter to look only at messages posted or changed later,
// which keeps waits cheap in benchmarks with many messages.
func (s *Server) MessageSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.msgLog))
}
