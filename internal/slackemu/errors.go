package slackemu

import "errors"

// Errors the test-driver helpers return.
var (
	// ErrClosed: the server was closed.
	ErrClosed = errors.New("slackemu: server closed")
	// ErrUnknownUser: the user is not in the workspace.
	ErrUnknownUser = errors.New("slackemu: unknown user")
	// ErrUnknownChannel: the channel does not exist.
	ErrUnknownChannel = errors.New("slackemu: unknown channel")
	// ErrNotInChannel: the user or the bot is not a member of the channel.
	ErrNotInChannel = errors.New("slackemu: not a member of the channel")
	// ErrNoSuchMessage: no message has that ts in that channel.
	ErrNoSuchMessage = errors.New("slackemu: no such message")
	// ErrNoSuchView: no view has that ID, or it is not open for the user.
	ErrNoSuchView = errors.New("slackemu: no such open view")
)
