package slackemu

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestConversations(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())

	created, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-42"})
	if err != nil {
		t.Fatal(err)
	}
	if created.Name != "inc-42" || !created.IsMember || !strings.HasPrefix(created.ID, "C") {
		t.Fatalf("created = %+v", created)
	}
	for name, want := range map[string]string{"inc-42": "name_taken", "Bad Name": "invalid_name_specials", "": "invalid_name_required"} {
		if _, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: name}); slackErr(err) != want {
			t.Errorf("create %q: %v, want %s", name, err, want)
		}
	}

	if _, err := api.InviteUsersToConversation(created.ID, "U1", "U2"); err != nil {
		t.Fatal(err)
	}
	if _, err := api.InviteUsersToConversation(created.ID, "U1"); slackErr(err) != "already_in_channel" {
		t.Fatalf("second invite: %v", err)
	}
	if _, err := api.InviteUsersToConversation(created.ID, "U404"); slackErr(err) != "user_not_found" {
		t.Fatalf("invite unknown: %v", err)
	}
	info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: created.ID, IncludeNumMembers: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.NumMembers != 3 || info.Name != "inc-42" {
		t.Fatalf("info = %+v", info)
	}
	if _, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C999"}); slackErr(err) != "channel_not_found" {
		t.Fatalf("info unknown: %v", err)
	}

	members, next, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: "C1", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	rest, last, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: "C1", Limit: 3, Cursor: next})
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 3 || next == "" || len(rest) != 1 || last != "" {
		t.Fatalf("pages %v (%q) %v (%q)", members, next, rest, last)
	}

	dm, noOp, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !dm.IsIM || dm.User != "U1" || noOp || already {
		t.Fatalf("open = %+v no_op=%v already=%v", dm, noOp, already)
	}
	again, _, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || again.ID != dm.ID || !already {
		t.Fatalf("reopen = %+v already=%v err=%v", again, already, err)
	}
	if id, _ := srv.DMChannel("U1"); id != dm.ID {
		t.Fatalf("DMChannel = %q, want %q", id, dm.ID)
	}

	if err := srv.AddChannel(Channel{ID: "C5", Name: "lobby", Members: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage("C5", slack.MsgOptionText("x", false)); slackErr(err) != "not_in_channel" {
		t.Fatalf("before join: %v", err)
	}
	if _, _, _, err := api.JoinConversation("C5"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage("C5", slack.MsgOptionText("x", false)); err != nil {
		t.Fatalf("after join: %v", err)
	}
	_, warning, _, err := api.JoinConversation("C5")
	if err != nil || warning != "already_in_channel" {
		t.Fatalf("join twice: warning %q err %v", warning, err)
	}
}

func TestUsers(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	u, err := api.GetUserInfo("U2")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "bob" || u.Profile.Email != "bob@example.com" || u.TeamID != TeamID {
		t.Fatalf("user = %+v", u)
	}
	if _, err := api.GetUserInfo("U404"); slackErr(err) != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
	all, err := api.GetUsersContext(testCtx(t), slack.GetUsersOptionLimit(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Fatalf("users.list over pages gave %d users, want 4", len(all))
	}
	byMail, err := api.GetUserByEmail("Carol@Example.com")
	if err != nil || byMail.ID != "U3" {
		t.Fatalf("lookupByEmail = %+v, %v", byMail, err)
	}
	if _, err := api.GetUserByEmail("nobody@example.com"); slackErr(err) != "users_not_found" {
		t.Fatalf("unknown email: %v", err)
	}
}

func TestUserGroups(t *testing.T) {
	srv := newTestServer(t)
	if err := srv.AddUserGroup(UserGroup{ID: "S1", Handle: "oncall", Users: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, srv, srv.BotToken())
	groups, err := api.GetUserGroups(slack.GetUserGroupsOptionIncludeUsers(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Handle != "oncall" || len(groups[0].Users) != 1 {
		t.Fatalf("groups = %+v", groups)
	}
	g, err := api.UpdateUserGroupMembers("S1", "U2,U3")
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.UserGroupMembers("S1"); len(got) != 2 || got[0] != "U2" || got[1] != "U3" || g.UserCount != 2 {
		t.Fatalf("members = %v, response %+v", got, g)
	}
	if _, err := api.UpdateUserGroupMembers("S9", "U1"); slackErr(err) != "no_such_subteam" {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := api.UpdateUserGroupMembers("S1", "U404"); slackErr(err) != "invalid_users" {
		t.Fatalf("unknown member: %v", err)
	}
}
