package slackemu

import "strings"

type userResp struct {
	OK   bool     `json:"ok"`
	User wireUser `json:"user"`
}

type usersListResp struct {
	OK               bool       `json:"ok"`
	Members          []wireUser `json:"members"`
	CacheTS          int64      `json:"cache_ts"`
	ResponseMetadata cursor     `json:"response_metadata"`
}

func (s *Server) usersInfo(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[r.get("user")]
	if !ok {
		return nil, "user_not_found"
	}
	return userResp{OK: true, User: toWireUser(u)}, ""
}

func (s *Server) usersList(r *apiRequest) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, next, code := paginate(s.userOrder, r.get("cursor"), r.get("limit"), 200)
	if code != "" {
		return nil, code
	}
	members := make([]wireUser, 0, len(ids))
	for _, id := range ids {
		members = append(members, toWireUser(s.users[id]))
	}
	return usersListResp{OK: true, Members: members, CacheTS: 1700000000, ResponseMetadata: cursor{NextCursor: next}}, ""
}

func (s *Server) usersLookupByEmail(r *apiRequest) (any, string) {
	email := strings.ToLower(strings.TrimSpace(r.get("email")))
	if email == "" {
		return nil, "invalid_arguments"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.userOrder {
		if u := s.users[id]; strings.EqualFold(u.Email, email) && !u.Deleted {
			return userResp{OK: true, User: toWireUser(u)}, ""
		}
	}
	return nil, "users_not_found"
}
