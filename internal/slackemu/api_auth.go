package slackemu

type authTestResp struct {
	OK                  bool   `json:"ok"`
	URL                 string `json:"url"`
	Team                string `json:"team"`
	User                string `json:"user"`
	TeamID              string `json:"team_id"`
	UserID              string `json:"user_id"`
	BotID               string `json:"bot_id"`
	IsEnterpriseInstall bool   `json:"is_enterprise_install"`
}

func (s *Server) authTest(*apiRequest) (any, string) {
	return authTestResp{
		OK: true, URL: "https://" + TeamDomain + ".slack.com/", Team: TeamName,
		User: BotName, TeamID: TeamID, UserID: BotUserID, BotID: BotID,
	}, ""
}

type connectionsOpenResp struct {
	OK  bool   `json:"ok"`
	URL string `json:"url"`
}

// appsConnectionsOpen hands out a one-time WebSocket URL on this server.
func (s *Server) appsConnectionsOpen(*apiRequest) (any, string) {
	ticket := newUUID()
	s.mu.Lock()
	s.tickets[ticket] = true
	s.mu.Unlock()
	return connectionsOpenResp{OK: true, URL: s.wsBase + "/link/?ticket=" + ticket + "&app_id=" + AppID}, ""
}
