package slackemu

// pinsAdd pins a message the bot can see; pinning twice is already_pinned.
func (s *Server) pinsAdd(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rec, code := s.visibleMessageLocked(r, "timestamp")
	if code != "" {
		return nil, code
	}
	if rec.msg.Pinned {
		return nil, "already_pinned"
	}
	rec.msg.Pinned = true
	return okResp{OK: true}, ""
}
