// Package core holds the commands every opsbot has, whatever domains are
// enabled: ping and whoami. (help comes from the router, audit from the
// audit trail.)
package core

import (
	"context"
	"fmt"

	"opsbot/bot"
)

// Roles tells a user's role.
type Roles interface {
	RoleOf(ctx context.Context, userID string) bot.Role
}

// Commands returns ping and whoami.
func Commands(roles Roles, version string) []bot.Command {
	return []bot.Command{
		{
			Verb:     "ping",
			Summary:  "Check that opsbot is alive and answering",
			Examples: []string{"ping"},
			Role:     bot.RoleViewer,
			Handler: func(_ context.Context, req *bot.Request) (*bot.Reply, error) {
				if err := noArgs(req); err != nil {
					return nil, err
				}
				return bot.Text("pong (opsbot " + version + ")"), nil
			},
		},
		{
			Verb:     "whoami",
			Summary:  "Show who opsbot thinks you are and your role",
			Examples: []string{"whoami"},
			Role:     bot.RoleViewer,
			Handler: func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
				if err := noArgs(req); err != nil {
					return nil, err
				}
				r := roles.RoleOf(ctx, req.UserID)
				return bot.Text(fmt.Sprintf("You are <@%s>, with the %s role. Roles, least to most trusted: viewer, responder, operator, approver, admin.", req.UserID, r)), nil
			},
		},
	}
}

// noArgs refuses arguments to a command that takes none, with its usage,
// rather than ignoring them.
func noArgs(req *bot.Request) error {
	if req.Args.Len() == 0 || req.Command == nil {
		return nil
	}
	return req.Command.UsageError("`%s` takes no arguments, but was given %q", req.Command.Verb, req.Args.Rest(0))
}
