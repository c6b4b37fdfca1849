package slackemu

import "encoding/json"

// verificationToken is the deprecated token Slack still puts in payloads.
const verificationToken = "emulated-verification-token"

type wireSlashCommand struct {
	Token               string `json:"token"`
	TeamID              string `json:"team_id"`
	TeamDomain          string `json:"team_domain"`
	ChannelID           string `json:"channel_id"`
	ChannelName         string `json:"channel_name"`
	UserID              string `json:"user_id"`
	UserName            string `json:"user_name"`
	Command             string `json:"command"`
	Text                string `json:"text"`
	APIAppID            string `json:"api_app_id"`
	IsEnterpriseInstall string `json:"is_enterprise_install"` // Slack sends "false", a string
	ResponseURL         string `json:"response_url"`
	TriggerID           string `json:"trigger_id"`
}

type wireAuthorization struct {
	EnterpriseID        *string `json:"enterprise_id"`
	TeamID              string  `json:"team_id"`
	UserID              string  `json:"user_id"`
	IsBot               bool    `json:"is_bot"`
	IsEnterpriseInstall bool    `json:"is_enterprise_install"`
}

type wireEventCallback struct {
	Token              string              `json:"token"`
	TeamID             string              `json:"team_id"`
	APIAppID           string              `json:"api_app_id"`
	Event              json.RawMessage     `json:"event"`
	Type               string              `json:"type"`
	EventID            string              `json:"event_id"`
	EventTime          int64               `json:"event_time"`
	Authorizations     []wireAuthorization `json:"authorizations"`
	IsExtSharedChannel bool                `json:"is_ext_shared_channel"`
	EventContext       string              `json:"event_context"`
}

type wireMessageEvent struct {
	Type        string `json:"type"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
	User        string `json:"user"`
	Text        string `json:"text"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts,omitempty"`
	Team        string `json:"team"`
	Channel     string `json:"channel"`
	EventTS     string `json:"event_ts"`
	ChannelType string `json:"channel_type,omitempty"`
}

type wireHomeOpened struct {
	Type    string    `json:"type"`
	User    string    `json:"user"`
	Channel string    `json:"channel"`
	Tab     string    `json:"tab"`
	EventTS string    `json:"event_ts"`
	View    *wireView `json:"view,omitempty"`
}

type wireUserRef struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	TeamID   string `json:"team_id"`
}

type wireTeamRef struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
}

type wireChannelRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wireContainer struct {
	Type        string `json:"type"`
	MessageTS   string `json:"message_ts,omitempty"`
	ThreadTS    string `json:"thread_ts,omitempty"`
	ChannelID   string `json:"channel_id,omitempty"`
	IsEphemeral bool   `json:"is_ephemeral"`
	ViewID      string `json:"view_id,omitempty"`
}

type wireState struct {
	Values map[string]map[string]map[string]any `json:"values"`
}

type wireBlockActions struct {
	Type                string           `json:"type"`
	User                wireUserRef      `json:"user"`
	APIAppID            string           `json:"api_app_id"`
	Token               string           `json:"token"`
	Container           wireContainer    `json:"container"`
	TriggerID           string           `json:"trigger_id"`
	Team                wireTeamRef      `json:"team"`
	Enterprise          *struct{}        `json:"enterprise"`
	IsEnterpriseInstall bool             `json:"is_enterprise_install"`
	Channel             *wireChannelRef  `json:"channel,omitempty"`
	Message             *wireMessage     `json:"message,omitempty"`
	View                *wireView        `json:"view,omitempty"`
	State               wireState        `json:"state"`
	ResponseURL         string           `json:"response_url,omitempty"`
	Actions             []map[string]any `json:"actions"`
}

type wireViewSubmission struct {
	Type                string      `json:"type"`
	Team                wireTeamRef `json:"team"`
	User                wireUserRef `json:"user"`
	APIAppID            string      `json:"api_app_id"`
	Token               string      `json:"token"`
	TriggerID           string      `json:"trigger_id"`
	View                wireView    `json:"view"`
	ResponseURLs        []string    `json:"response_urls"`
	IsEnterpriseInstall bool        `json:"is_enterprise_install"`
	Enterprise          *struct{}   `json:"enterprise"`
}

func userRef(u *User) wireUserRef {
	return wireUserRef{ID: u.ID, Username: u.Name, Name: u.Name, TeamID: TeamID}
}

func teamRef() wireTeamRef { return wireTeamRef{ID: TeamID, Domain: TeamDomain} }

// eventCallback wraps an inner event as Slack's Events API does.
func (s *Server) eventCallback(inner any) (json.RawMessage, string, error) {
	ev, err := json.Marshal(inner)
	if err != nil {
		return nil, "", err
	}
	id := s.ids.next("Ev")
	out, err := json.Marshal(wireEventCallback{
		Token: verificationToken, TeamID: TeamID, APIAppID: AppID, Event: ev,
		Type: "event_callback", EventID: id, EventTime: nowUnix(),
		Authorizations: []wireAuthorization{{TeamID: TeamID, UserID: BotUserID, IsBot: true}},
		EventContext:   "4-" + randomHex(20),
	})
	return out, id, err
}
