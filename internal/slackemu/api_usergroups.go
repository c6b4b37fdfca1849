package slackemu

import "slices"

type usergroupsResp struct {
	OK         bool            `json:"ok"`
	UserGroups []wireUserGroup `json:"usergroups"`
}

type usergroupResp struct {
	OK        bool          `json:"ok"`
	UserGroup wireUserGroup `json:"usergroup"`
}

func (s *Server) usergroupsList(r *apiRequest) (any, string) {
	withUsers := boolParam(r.get("include_users"))
	withDisabled := boolParam(r.get("include_disabled"))
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]wireUserGroup, 0, len(s.groupOrder))
	for _, id := range s.groupOrder {
		g := s.groups[id]
		if g.Disabled && !withDisabled {
			continue
		}
		out = append(out, toWireUserGroup(g, withUsers))
	}
	return usergroupsResp{OK: true, UserGroups: out}, ""
}

func (s *Server) usergroupsUsersUpdate(r *apiRequest) (any, string) {
	users := splitList(r.get("users"))
	if len(users) == 0 {
		return nil, "no_users_provided"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[r.get("usergroup")]
	if !ok {
		return nil, "no_such_subteam"
	}
	for _, u := range users {
		if usr, ok := s.users[u]; !ok || usr.Deleted {
			return nil, "invalid_users"
		}
	}
	slices.Sort(users)
	g.Users = slices.Compact(users)
	return usergroupResp{OK: true, UserGroup: toWireUserGroup(g, true)}, ""
}

// UserGroupMembers returns the current members of a user group.
func (s *Server) UserGroupMembers(id string) []string {
	g, _ := s.UserGroup(id)
	return g.Users
}
