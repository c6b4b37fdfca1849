package slackemu

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type channelResp struct {
	OK      bool        `json:"ok"`
	Channel wireChannel `json:"channel"`
}

type openResp struct {
	OK          bool        `json:"ok"`
	NoOp        bool        `json:"no_op,omitempty"`
	AlreadyOpen bool        `json:"already_open,omitempty"`
	Channel     wireChannel `json:"channel"`
}

type joinResp struct {
	OK               bool         `json:"ok"`
	Channel          wireChannel  `json:"channel"`
	Warning          string       `json:"warning,omitempty"`
	ResponseMetadata *warningMeta `json:"response_metadata,omitempty"`
}

type warningMeta struct {
	Warnings []string `json:"warnings"`
}

type membersResp struct {
	OK               bool     `json:"ok"`
	Members          []string `json:"members"`
	ResponseMetadata cursor   `json:"response_metadata"`
}

type cursor struct {
	NextCursor string `json:"next_cursor"`
}

// channelNameRE is what Slack allows in a channel name.
var channelNameRE = regexp.MustCompile(`^[a-z0-9_\-\p{L}]+$`)

func (s *Server) conversationsCreate(r *apiRequest) (any, string) {
	name := r.get("name")
	switch {
	case name == "":
		return nil, "invalid_name_required"
	case len(name) > 80:
		return nil, "invalid_name_maxlength"
	case name != strings.ToLower(name) || strings.ContainsAny(name, " .,"):
		return nil, "invalid_name_specials"
	case !channelNameRE.MatchString(name):
		return nil, "invalid_name_specials"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channelByNameLocked(name) != nil {
		return nil, "name_taken"
	}
	prefix := "C"
	private := boolParam(r.get("is_private"))
	if private {
		prefix = "G"
	}
	id := s.ids.next(prefix)
	if err := s.addChannelLocked(Channel{ID: id, Name: name, IsPrivate: private, Members: []string{BotUserID}}); err != nil {
		return nil, "internal_error"
	}
	return channelResp{OK: true, Channel: toWireChannel(s.channels[id], true)}, ""
}

func (s *Server) conversationsInvite(r *apiRequest) (any, string) {
	users := splitList(r.get("users"))
	if len(users) == 0 {
		return nil, "no_user"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, code := s.visibleChannelLocked(r)
	if code != "" {
		return nil, code
	}
	switch {
	case c.IsIM || c.IsMpIM:
		return nil, "method_not_supported_for_channel_type"
	case c.IsArchived:
		return nil, "is_archived"
	case !c.members[BotUserID]:
		return nil, "not_in_channel"
	}
	for _, u := range users {
		if u == BotUserID {
			return nil, "cant_invite_self"
		}
		if usr, ok := s.users[u]; !ok || usr.Deleted {
			return nil, "user_not_found"
		}
	}
	added := 0
	for _, u := range users {
		if c.addMember(u) {
			added++
		}
	}
	if added == 0 {
		return nil, "already_in_channel"
	}
	return channelResp{OK: true, Channel: toWireChannel(c, true)}, ""
}

func (s *Server) conversationsInfo(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[r.get("channel")]
	if !ok || !botCanSeeLocked(c) {
		return nil, "channel_not_found"
	}
	return channelResp{OK: true, Channel: toWireChannel(c, boolParam(r.get("include_num_members")))}, ""
}

func (s *Server) conversationsOpen(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := r.get("channel"); id != "" {
		c, ok := s.channels[id]
		if !ok || !botCanSeeLocked(c) || !(c.IsIM || c.IsMpIM) {
			return nil, "channel_not_found"
		}
		return openResp{OK: true, NoOp: true, AlreadyOpen: true, Channel: toWireChannel(c, false)}, ""
	}
	users := splitList(r.get("users"))
	switch {
	case len(users) == 0:
		return nil, "users_list_not_supplied"
	case len(users) > 8:
		return nil, "too_many_users"
	}
	for _, u := range users {
		if usr, ok := s.users[u]; !ok || usr.Deleted {
			return nil, "user_not_found"
		}
	}
	if len(users) == 1 {
		c, existed, err := s.openDMLocked(users[0])
		if err != nil {
			return nil, "user_not_found"
		}
		return openResp{OK: true, NoOp: existed, AlreadyOpen: existed, Channel: toWireChannel(c, false)}, ""
	}
	return s.openMpIMLocked(users)
}

// openMpIMLocked finds or creates the group DM of users and the bot.
func (s *Server) openMpIMLocked(users []string) (any, string) {
	want := append([]string{BotUserID}, users...)
	slices.Sort(want)
	want = slices.Compact(want)
	for _, id := range s.channelOrder {
		c := s.channels[id]
		if !c.IsMpIM {
			continue
		}
		have := slices.Clone(c.Members)
		slices.Sort(have)
		if slices.Equal(have, want) {
			return openResp{OK: true, NoOp: true, AlreadyOpen: true, Channel: toWireChannel(c, false)}, ""
		}
	}
	id := s.ids.next("G")
	names := make([]string, 0, len(want))
	for _, u := range want {
		names = append(names, s.users[u].Name)
	}
	name := "mpdm-" + strings.Join(names, "--") + "-1"
	if err := s.addChannelLocked(Channel{ID: id, Name: name, IsMpIM: true, Members: want}); err != nil {
		return nil, "internal_error"
	}
	return openResp{OK: true, Channel: toWireChannel(s.channels[id], false)}, ""
}

func (s *Server) conversationsJoin(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[r.get("channel")]
	switch {
	case !ok || !botCanSeeLocked(c):
		return nil, "channel_not_found"
	case c.IsIM || c.IsMpIM || c.IsPrivate:
		return nil, "method_not_supported_for_channel_type"
	case c.IsArchived:
		return nil, "is_archived"
	}
	if !c.addMember(BotUserID) {
		return joinResp{OK: true, Channel: toWireChannel(c, false), Warning: "already_in_channel",
			ResponseMetadata: &warningMeta{Warnings: []string{"already_in_channel"}}}, ""
	}
	return joinResp{OK: true, Channel: toWireChannel(c, false)}, ""
}

func (s *Server) conversationsMembers(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[r.get("channel")]
	if !ok || !botCanSeeLocked(c) {
		return nil, "channel_not_found"
	}
	page, next, code := paginate(c.Members, r.get("cursor"), r.get("limit"), 100)
	if code != "" {
		return nil, code
	}
	return membersResp{OK: true, Members: page, ResponseMetadata: cursor{NextCursor: next}}, ""
}

// paginate cuts one page out of items with Slack's opaque cursors.
func paginate[T any](items []T, cur, limitArg string, def int) (page []T, next, code string) {
	limit := def
	if limitArg != "" {
		n, err := strconv.Atoi(limitArg)
		if err != nil || n < 0 {
			return nil, "", "invalid_limit"
		}
		if n > 0 {
			limit = min(n, 1000)
		}
	}
	start := 0
	if cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", "invalid_cursor"
		}
		start = n
	}
	end := min(start+limit, len(items))
	page = append(make([]T, 0, end-start), items[start:end]...)
	if end < len(items) {
		next = base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return page, next, ""
}
