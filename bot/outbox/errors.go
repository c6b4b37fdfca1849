package outbox

import (
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// Error is a delivery that finally failed.
type Error struct {
	Method  string
	Channel string
	Err     error
}

func (e *Error) Error() string { return fmt.Sprintf("slack %s to %s: %v", e.Method, e.Channel, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Advice turns a Slack error into what a person can do about it.
func Advice(err error) string {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		var oe *Error
		if errors.As(err, &oe) {
			return "Slack did not take the message (" + oe.Err.Error() + "); opsbot logged it."
		}
		return "Slack did not take the message; opsbot logged it."
	}
	switch se.Err {
	case "channel_not_found":
		return "That channel does not exist, or opsbot cannot see it (private channels need an invite)."
	case "not_in_channel":
		return "opsbot is not in that channel: type /invite @opsbot there."
	case "is_archived":
		return "That channel is archived."
	case "msg_too_long":
		return "The message was too long for Slack."
	case "invalid_blocks":
		return "Slack refused the message layout (invalid_blocks); this is a bug in opsbot, please report it."
	case "invalid_auth", "token_revoked", "account_inactive":
		return "opsbot's Slack token is not accepted (" + se.Err + "); an admin must reinstall the app."
	default:
		return "Slack refused the message: " + se.Err + "."
	}
}
