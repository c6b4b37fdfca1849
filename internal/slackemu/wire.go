package slackemu

import (
	"encoding/json"
	"strings"
)

// The types below are the JSON shapes Slack sends; slack-go decodes them.

type wireTopic struct {
	Value   string `json:"value"`
	Creator string `json:"creator"`
	LastSet int64  `json:"last_set"`
}

type wireChannel struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name,omitempty"`
	NameNormalized     string     `json:"name_normalized,omitempty"`
	IsChannel          bool       `json:"is_channel"`
	IsGroup            bool       `json:"is_group"`
	IsIM               bool       `json:"is_im"`
	IsMpIM             bool       `json:"is_mpim"`
	IsPrivate          bool       `json:"is_private"`
	IsArchived         bool       `json:"is_archived"`
	IsGeneral          bool       `json:"is_general"`
	IsMember           bool       `json:"is_member"`
	IsOpen             bool       `json:"is_open,omitempty"`
	IsShared           bool       `json:"is_shared"`
	IsExtShared        bool       `json:"is_ext_shared"`
	IsOrgShared        bool       `json:"is_org_shared"`
	IsPendingExtShared bool       `json:"is_pending_ext_shared"`
	Created            int64      `json:"created"`
	Creator            string     `json:"creator,omitempty"`
	User               string     `json:"user,omitempty"`
	NumMembers         int        `json:"num_members,omitempty"`
	Topic              *wireTopic `json:"topic,omitempty"`
	Purpose            *wireTopic `json:"purpose,omitempty"`
	ContextTeamID      string     `json:"context_team_id"`
	PreviousNames      []string   `json:"previous_names,omitempty"`
}

func toWireChannel(c *channelState, withMembers bool) wireChannel {
	w := wireChannel{
		ID:            c.ID,
		IsIM:          c.IsIM,
		IsMpIM:        c.IsMpIM,
		IsPrivate:     c.IsPrivate || c.IsMpIM,
		IsArchived:    c.IsArchived,
		IsMember:      c.members[BotUserID],
		Created:       c.Created.Unix(),
		ContextTeamID: TeamID,
	}
	if c.IsIM {
		w.User = c.User
		w.IsOpen = true
		w.IsPrivate = false
		return w
	}
	w.Name = c.Name
	w.NameNormalized = c.Name
	w.IsChannel = !c.IsPrivate && !c.IsMpIM
	w.IsGroup = c.IsPrivate || c.IsMpIM
	w.IsGeneral = c.IsGeneral
	w.Creator = c.Creator
	w.Topic = &wireTopic{Value: c.Topic}
	w.Purpose = &wireTopic{Value: c.Purpose}
	w.PreviousNames = []string{}
	if withMembers {
		w.NumMembers = len(c.Members)
	}
	return w
}

type wireProfile struct {
	RealName              string `json:"real_name"`
	RealNameNormalized    string `json:"real_name_normalized"`
	DisplayName           string `json:"display_name"`
	DisplayNameNormalized string `json:"display_name_normalized"`
	FirstName             string `json:"first_name,omitempty"`
	LastName              string `json:"last_name,omitempty"`
	Email                 string `json:"email,omitempty"`
	AvatarHash            string `json:"avatar_hash"`
	Image24               string `json:"image_24"`
	Image48               string `json:"image_48"`
	Image72               string `json:"image_72"`
	BotID                 string `json:"bot_id,omitempty"`
	APIAppID              string `json:"api_app_id,omitempty"`
	AlwaysActive          bool   `json:"always_active,omitempty"`
	Team                  string `json:"team"`
}

type wireUser struct {
	ID                string      `json:"id"`
	TeamID            string      `json:"team_id"`
	Name              string      `json:"name"`
	Deleted           bool        `json:"deleted"`
	Color             string      `json:"color"`
	RealName          string      `json:"real_name"`
	TZ                string      `json:"tz"`
	TZLabel           string      `json:"tz_label"`
	TZOffset          int         `json:"tz_offset"`
	Profile           wireProfile `json:"profile"`
	IsAdmin           bool        `json:"is_admin"`
	IsOwner           bool        `json:"is_owner"`
	IsPrimaryOwner    bool        `json:"is_primary_owner"`
	IsRestricted      bool        `json:"is_restricted"`
	IsUltraRestricted bool        `json:"is_ultra_restricted"`
	IsBot             bool        `json:"is_bot"`
	IsAppUser         bool        `json:"is_app_user"`
	IsEmailConfirmed  bool        `json:"is_email_confirmed"`
	Updated           int64       `json:"updated"`
	Locale            string      `json:"locale,omitempty"`
}

func toWireUser(u *User) wireUser {
	first, last, _ := strings.Cut(u.RealName, " ")
	w := wireUser{
		ID:       u.ID,
		TeamID:   TeamID,
		Name:     u.Name,
		Deleted:  u.Deleted,
		Color:    "9f69e7",
		RealName: u.RealName,
		TZ:       u.TZ,
		TZLabel:  u.TZ,
		Profile: wireProfile{
			RealName:              u.RealName,
			RealNameNormalized:    u.RealName,
			DisplayName:           u.Name,
			DisplayNameNormalized: u.Name,
			FirstName:             first,
			LastName:              last,
			Email:                 u.Email,
			AvatarHash:            "g0000000000" + u.ID,
			Image24:               "https://secure.gravatar.com/avatar/" + u.ID + ".jpg?s=24",
			Image48:               "https://secure.gravatar.com/avatar/" + u.ID + ".jpg?s=48",
			Image72:               "https://secure.gravatar.com/avatar/" + u.ID + ".jpg?s=72",
			Team:                  TeamID,
		},
		IsAdmin:          u.IsAdmin,
		IsBot:            u.IsBot,
		IsEmailConfirmed: u.Email != "",
		Updated:          1700000000,
		Locale:           "en-US",
	}
	if u.ID == BotUserID {
		w.Profile.BotID = BotID
		w.Profile.APIAppID = AppID
		w.Profile.AlwaysActive = true
	}
	return w
}

type wireMessage struct {
	Type           string          `json:"type"`
	Subtype        string          `json:"subtype,omitempty"`
	Text           string          `json:"text"`
	User           string          `json:"user,omitempty"`
	BotID          string          `json:"bot_id,omitempty"`
	AppID          string          `json:"app_id,omitempty"`
	TS             string          `json:"ts"`
	ThreadTS       string          `json:"thread_ts,omitempty"`
	Team           string          `json:"team,omitempty"`
	Blocks         json.RawMessage `json:"blocks,omitempty"`
	Attachments    json.RawMessage `json:"attachments,omitempty"`
	Edited         *wireEdited     `json:"edited,omitempty"`
	ReplyBroadcast bool            `json:"reply_broadcast,omitempty"`
	BotProfile     *wireBotProfile `json:"bot_profile,omitempty"`
}

type wireEdited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

type wireBotProfile struct {
	ID      string `json:"id"`
	AppID   string `json:"app_id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted"`
	TeamID  string `json:"team_id"`
}

func toWireMessage(m *Message) wireMessage {
	w := wireMessage{
		Type:           "message",
		Text:           m.Text,
		User:           m.User,
		TS:             m.TS,
		ThreadTS:       m.ThreadTS,
		Team:           TeamID,
		Blocks:         m.Blocks,
		Attachments:    m.Attachments,
		ReplyBroadcast: m.ReplyBroadcast,
	}
	if m.BotID != "" {
		w.BotID = m.BotID
		w.AppID = AppID
		w.BotProfile = &wireBotProfile{ID: BotID, AppID: AppID, Name: BotName, TeamID: TeamID}
	}
	if m.Edits > 0 {
		w.Edited = &wireEdited{User: m.User, TS: formatTS(m.Updated.UnixMicro())}
	}
	return w
}

type wireUserGroup struct {
	ID          string         `json:"id"`
	TeamID      string         `json:"team_id"`
	IsUserGroup bool           `json:"is_usergroup"`
	IsSubteam   bool           `json:"is_subteam"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Handle      string         `json:"handle"`
	IsExternal  bool           `json:"is_external"`
	DateCreate  int64          `json:"date_create"`
	DateUpdate  int64          `json:"date_update"`
	DateDelete  int64          `json:"date_delete"`
	AutoType    *string        `json:"auto_type"`
	CreatedBy   string         `json:"created_by"`
	UpdatedBy   string         `json:"updated_by"`
	DeletedBy   *string        `json:"deleted_by"`
	Prefs       wireGroupPrefs `json:"prefs"`
	Users       []string       `json:"users,omitempty"`
	UserCount   int            `json:"user_count"`
}

type wireGroupPrefs struct {
	Channels []string `json:"channels"`
	Groups   []string `json:"groups"`
}

func toWireUserGroup(g *UserGroup, withUsers bool) wireUserGroup {
	w := wireUserGroup{
		ID:          g.ID,
		TeamID:      TeamID,
		IsUserGroup: true,
		IsSubteam:   true,
		Name:        g.Name,
		Description: g.Description,
		Handle:      g.Handle,
		DateCreate:  1700000000,
		DateUpdate:  1700000000,
		CreatedBy:   "U1",
		UpdatedBy:   "U1",
		Prefs:       wireGroupPrefs{Channels: []string{}, Groups: []string{}},
		UserCount:   len(g.Users),
	}
	if g.Disabled {
		w.DateDelete = 1700000001
	}
	if withUsers {
		w.Users = append([]string{}, g.Users...)
	}
	return w
}
