package slackemu

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Identity of the emulated workspace and of the bot installed in it.
const (
	TeamID     = "T1"
	TeamName   = "Emulated Workspace"
	TeamDomain = "emulated"
	BotUserID  = "UBOT"
	BotName    = "opsbot"
	BotID      = "B1"
	AppID      = "A1"
)

// User is a person (or bot) in the workspace.
type User struct {
	ID       string
	Name     string // handle, e.g. "alice"
	RealName string
	Email    string
	IsAdmin  bool
	IsBot    bool
	Deleted  bool
	TZ       string // IANA zone; default "Europe/Berlin"
}

// Channel is a conversation: a channel, a private channel, a DM (IsIM) or a
// group DM (IsMpIM).
type Channel struct {
	ID         string
	Name       string
	IsPrivate  bool
	IsArchived bool
	IsIM       bool
	IsMpIM     bool
	IsGeneral  bool
	User       string // the other person of a DM
	Members    []string
	Topic      string
	Purpose    string
	Creator    string
	Created    time.Time
}

// UserGroup is a user group (subteam) such as @oncall.
type UserGroup struct {
	ID          string
	Handle      string
	Name        string
	Description string
	Users       []string
	Disabled    bool
}

// channelState is a Channel plus its messages; guarded by Server.mu.
type channelState struct {
	Channel
	members  map[string]bool
	messages map[string]*messageRec
}

func (c *channelState) snapshot() Channel {
	out := c.Channel
	out.Members = slices.Clone(c.Members)
	return out
}

func (c *channelState) addMember(id string) bool {
	if c.members[id] {
		return false
	}
	c.members[id] = true
	c.Members = append(c.Members, id)
	return true
}

// seedWorkspace fills a new server with the default workspace: the bot,
// alice, bob and carol, and #general and #ops with everyone in them.
func (s *Server) seedWorkspace() {
	users := []User{
		{ID: BotUserID, Name: BotName, RealName: "Ops Bot", IsBot: true},
		{ID: "U1", Name: "alice", RealName: "Alice Admin", Email: "alice@example.com", IsAdmin: true},
		{ID: "U2", Name: "bob", RealName: "Bob Builder", Email: "bob@example.com"},
		{ID: "U3", Name: "carol", RealName: "Carol Oncall", Email: "carol@example.com"},
	}
	for _, u := range users {
		_ = s.AddUser(u)
	}
	everyone := []string{BotUserID, "U1", "U2", "U3"}
	_ = s.AddChannel(Channel{ID: "C1", Name: "general", IsGeneral: true, Members: everyone})
	_ = s.AddChannel(Channel{ID: "C2", Name: "ops", Members: everyone})
}

// AddUser adds a person to the workspace. IDs and handles must be unique.
func (s *Server) AddUser(u User) error {
	if u.ID == "" || u.Name == "" {
		return errors.New("add user: ID and Name are required")
	}
	if u.TZ == "" {
		u.TZ = "Europe/Berlin"
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; ok {
		return fmt.Errorf("add user %s: id already taken", u.ID)
	}
	for _, id := range s.userOrder {
		if s.users[id].Name == u.Name {
			return fmt.Errorf("add user %s: name %q already taken", u.ID, u.Name)
		}
	}
	s.users[u.ID] = &u
	s.userOrder = append(s.userOrder, u.ID)
	return nil
}

// AddChannel adds a conversation. Members must be known users; include
// BotUserID to make the bot a member.
func (s *Server) AddChannel(c Channel) error {
	if c.ID == "" {
		return errors.New("add channel: ID is required")
	}
	if c.Name == "" && !c.IsIM {
		return fmt.Errorf("add channel %s: Name is required", c.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addChannelLocked(c)
}

func (s *Server) addChannelLocked(c Channel) error {
	if _, ok := s.channels[c.ID]; ok {
		return fmt.Errorf("add channel %s: id already taken", c.ID)
	}
	if c.Name != "" && s.channelByNameLocked(c.Name) != nil {
		return fmt.Errorf("add channel %s: name %q already taken", c.ID, c.Name)
	}
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	if c.Creator == "" {
		c.Creator = BotUserID
	}
	st := &channelState{
		Channel:  c,
		members:  make(map[string]bool, len(c.Members)),
		messages: make(map[string]*messageRec),
	}
	st.Members = nil
	for _, m := range c.Members {
		if _, ok := s.users[m]; !ok {
			return fmt.Errorf("add channel %s: unknown member %s", c.ID, m)
		}
		st.addMember(m)
	}
	s.channels[c.ID] = st
	s.channelOrder = append(s.channelOrder, c.ID)
	if c.IsIM && c.User != "" {
		s.dms[c.User] = c.ID
	}
	return nil
}

// AddUserGroup adds a user group. Its users must be known.
func (s *Server) AddUserGroup(g UserGroup) error {
	if g.ID == "" || g.Handle == "" {
		return errors.New("add user group: ID and Handle are required")
	}
	if g.Name == "" {
		g.Name = g.Handle
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[g.ID]; ok {
		return fmt.Errorf("add user group %s: id already taken", g.ID)
	}
	for _, u := range g.Users {
		if _, ok := s.users[u]; !ok {
			return fmt.Errorf("add user group %s: unknown user %s", g.ID, u)
		}
	}
	g.Users = slices.Clone(g.Users)
	s.groups[g.ID] = &g
	s.groupOrder = append(s.groupOrder, g.ID)
	return nil
}

// Users returns the workspace's users in the order they were added.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.userOrder))
	for _, id := range s.userOrder {
		out = append(out, *s.users[id])
	}
	return out
}

// Channel returns a conversation by ID (members included).
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return c.snapshot(), true
}

// Channels returns every conversation, DMs included, in creation order.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.channelOrder))
	for _, id := range s.channelOrder {
		out = append(out, s.channels[id].snapshot())
	}
	return out
}

// UserGroup returns a user group, with its current members, by ID.
func (s *Server) UserGroup(id string) (UserGroup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return UserGroup{}, false
	}
	out := *g
	out.Users = slices.Clone(g.Users)
	return out, true
}

// DMChannel returns the ID of the bot's DM with user, opening it if needed.
func (s *Server) DMChannel(user string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, _, err := s.openDMLocked(user)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

func (s *Server) channelByNameLocked(name string) *channelState {
	for _, id := range s.channelOrder {
		if c := s.channels[id]; c.Name == name && !c.IsIM {
			return c
		}
	}
	return nil
}

// openDMLocked returns the bot's DM channel with user, creating it; existed
// says whether it was already open.
func (s *Server) openDMLocked(user string) (c *channelState, existed bool, err error) {
	u, ok := s.users[user]
	if !ok || u.Deleted {
		return nil, false, errors.New("user_not_found")
	}
	if id, ok := s.dms[user]; ok {
		return s.channels[id], true, nil
	}
	id := s.ids.next("D")
	members := []string{user}
	if user != BotUserID {
		members = append(members, BotUserID)
	}
	if err := s.addChannelLocked(Channel{ID: id, IsIM: true, User: user, Members: members}); err != nil {
		return nil, false, err
	}
	return s.channels[id], false, nil
}

// resolveChannelLocked finds the conversation a Web API call names: a
// channel ID, "#name" or "name", or a user ID (the bot's DM with them).
// visibleChannelLocked resolves the request's channel argument to a
// channel the bot can see, or the error code Slack answers.
func (s *Server) visibleChannelLocked(r *apiRequest) (*channelState, string) {
	c, code := s.resolveChannelLocked(r.get("channel"))
	if code != "" {
		return nil, code
	}
	if !botCanSeeLocked(c) {
		return nil, "channel_not_found"
	}
	return c, ""
}

// visibleMessageLocked is a message of a channel the bot can see.
func (s *Server) visibleMessageLocked(r *apiRequest, tsParam string) (*channelState, *messageRec, string) {
	c, code := s.visibleChannelLocked(r)
	if code != "" {
		return nil, nil, code
	}
	rec, ok := c.messages[r.get(tsParam)]
	if !ok || rec.msg.Deleted {
		return nil, nil, "message_not_found"
	}
	return c, rec, ""
}

func (s *Server) resolveChannelLocked(ref string) (*channelState, string) {
	if ref == "" {
		return nil, "channel_not_found"
	}
	if c, ok := s.channels[ref]; ok {
		return c, ""
	}
	if _, ok := s.users[ref]; ok && (ref[0] == 'U' || ref[0] == 'W') {
		c, _, err := s.openDMLocked(ref)
		if err != nil {
			return nil, "channel_not_found"
		}
		return c, ""
	}
	name := ref
	if name[0] == '#' {
		name = name[1:]
	}
	if c := s.channelByNameLocked(name); c != nil {
		return c, ""
	}
	return nil, "channel_not_found"
}

// botCanSeeLocked says whether the bot may see a conversation at all:
// private channels and DMs are invisible unless it is a member.
func botCanSeeLocked(c *channelState) bool {
	if c.IsPrivate || c.IsIM || c.IsMpIM {
		return c.members[BotUserID]
	}
	return true
}
