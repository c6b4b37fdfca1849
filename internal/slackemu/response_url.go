package slackemu

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"
)

// responseURLUses is how often Slack lets an app use one response_url.
const responseURLUses = 5

// ResponsePost is one post to a response_url and what it did.
type ResponsePost struct {
	ID        string // the response URL's id (last path element)
	Body      json.RawMessage
	Time      time.Time
	Status    int
	Applied   string // "posted", "replaced", "deleted" or "" when refused
	Channel   string
	MessageTS string // the message posted, replaced or deleted
}

// responseURLRec is where a response_url's answers go.
type responseURLRec struct {
	channel   string
	user      string
	messageTS string // the message the interaction happened on, if any
	uses      int
	created   time.Time
}

// responseBody is what slack-go (and any app) posts to a response_url.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

func (s *Server) newResponseURLLocked(channel, user, messageTS string) string {
	id := "R" + randomHex(12)
	s.responseURLs[id] = &responseURLRec{channel: channel, user: user, messageTS: messageTS, created: time.Now()}
	return s.baseURL + "/response/" + id
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	post := ResponsePost{ID: r.PathValue("id"), Body: body, Time: time.Now()}
	var rb responseBody
	code := ""
	switch {
	case err != nil || json.Unmarshal(body, &rb) != nil:
		code = "invalid_payload"
	case utf8.RuneCountInString(rb.Text) > maxTextChars:
		code = "msg_too_long"
	}
	var blocks json.RawMessage
	if code == "" && len(rb.Blocks) > 0 && string(rb.Blocks) != "null" {
		blocks, code = parseBlocks(string(rb.Blocks), maxMessageBlocks)
	}
	status := http.StatusOK
	if code == "" {
		status, code = s.applyResponse(&post, rb, blocks)
	} else {
		status = http.StatusBadRequest
	}
	post.Status = status
	s.mu.Lock()
	s.responsePosts = append(s.responsePosts, post)
	s.mu.Unlock()
	s.log.Info("response_url post", "id", post.ID, "applied", post.Applied, "error", code)
	if code != "" {
		writeJSON(w, status, errResp{Error: code})
		return
	}
	s.msgHub.notify()
	writeJSON(w, status, okResp{OK: true})
}

// applyResponse posts, replaces or deletes as the body asks.
func (s *Server) applyResponse(post *ResponsePost, rb responseBody, blocks json.RawMessage) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ru, ok := s.responseURLs[post.ID]
	switch {
	case !ok:
		return http.StatusNotFound, "no_service"
	case ru.uses >= responseURLUses || time.Since(ru.created) > 30*time.Minute:
		return http.StatusNotFound, "used_url"
	}
	ru.uses++
	c := s.channels[ru.channel]
	post.Channel = ru.channel
	var orig *messageRec
	if ru.messageTS != "" && c != nil {
		orig = c.messages[ru.messageTS]
	}
	switch {
	case rb.DeleteOriginal && orig != nil:
		orig.msg.Deleted = true
		s.logChangeLocked(orig)
		post.Applied, post.MessageTS = "deleted", orig.msg.TS
	case rb.ReplaceOriginal && orig != nil:
		orig.msg.Text = rb.Text
		orig.msg.Blocks = blocks
		orig.msg.Attachments = nonNull(rb.Attachments)
		orig.msg.Edits++
		s.logChangeLocked(orig)
		post.Applied, post.MessageTS = "replaced", orig.msg.TS
	case c == nil:
		return http.StatusNotFound, "channel_not_found"
	default:
		if rb.Text == "" && blocks == nil {
			return http.StatusBadRequest, "no_text"
		}
		m := Message{
			ThreadTS: threadRootLocked(c, rb.ThreadTS), User: BotUserID, BotID: BotID,
			Text: rb.Text, Blocks: blocks, Attachments: nonNull(rb.Attachments), Source: "response_url",
		}
		if rb.ResponseType != "in_channel" {
			m.Ephemeral, m.EphemeralUser = true, ru.user
		}
		rec := s.addMessageLocked(c, m)
		post.Applied, post.MessageTS = "posted", rec.msg.TS
	}
	return http.StatusOK, ""
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "[]" {
		return nil
	}
	return slices.Clone(raw)
}

// ResponsePosts returns every post to a response_url, oldest first.
func (s *Server) ResponsePosts() []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.responsePosts)
}
