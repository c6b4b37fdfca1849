package slackemu

// pinsAdd pins a message the bot can see; pinning twice is already_pinned.
func (s *Server) pinsAdd(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, code := s.resolveChannelLocked(r.get("channel"))
	if code != "" {
		return nil, code
	}
	if !botCanSeeLocked(c) {
		return nil, "channel_not_found"
	}
	rec, ok := c.messages[r.get("timestamp")]
	if !ok || rec.msg.Deleted {
		return nil, "message_not_found"
	}
	if rec.msg.Pinned {
		return nil, "already_pinned"
	}
	rec.msg.Pinned = true
	return okResp{OK: true}, ""
}
