package socketmode

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// Workspace does the workspace chores domains ask for: incident channels,
// invitations, pins and user-group membership. The domains declare what
// they use; this is the Slack side of it.
type Workspace struct{ api *slack.Client }

// NewWorkspace returns a Workspace over api.
func NewWorkspace(api *slack.Client) *Workspace { return &Workspace{api: api} }

// CreateChannel creates a public channel and returns its id.
func (w *Workspace) CreateChannel(ctx context.Context, name string) (string, error) {
	ch, err := w.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name})
	if err != nil {
		return "", fmt.Errorf("create channel #%s: %w", name, err)
	}
	return ch.ID, nil
}

// Invite adds users to a channel; users already in it are fine.
func (w *Workspace) Invite(ctx context.Context, channel string, users ...string) error {
	if len(users) == 0 {
		return nil
	}
	if _, err := w.api.InviteUsersToConversationContext(ctx, channel, users...); err != nil && !strings.Contains(err.Error(), "already_in_channel") {
		return fmt.Errorf("invite %v to %s: %w", users, channel, err)
	}
	return nil
}

// Pin pins a message.
func (w *Workspace) Pin(ctx context.Context, channel, ts string) error {
	if err := w.api.AddPinContext(ctx, channel, slack.NewRefToMessage(channel, ts)); err != nil && !strings.Contains(err.Error(), "already_pinned") {
		return fmt.Errorf("pin %s in %s: %w", ts, channel, err)
	}
	return nil
}

// SetMembers makes users the members of the user group with handle.
func (w *Workspace) SetMembers(ctx context.Context, handle string, users []string) error {
	groups, err := w.api.GetUserGroupsContext(ctx)
	if err != nil {
		return fmt.Errorf("list user groups: %w", err)
	}
	for _, g := range groups {
		if g.Handle == strings.TrimPrefix(handle, "@") {
			if _, err := w.api.UpdateUserGroupMembersContext(ctx, g.ID, strings.Join(users, ",")); err != nil {
				return fmt.Errorf("update members of @%s: %w", g.Handle, err)
			}
			return nil
		}
	}
	return fmt.Errorf("no user group @%s in the workspace: create it, or fix the schedule's user_group", handle)
}
