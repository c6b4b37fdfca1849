package bot

import (
	"github.com/slack-go/slack"

	"opsbot/bot/args"
)

// Trigger says how a request reached opsbot.
type Trigger string

// The ways a request arrives.
const (
	TriggerSlash   Trigger = "slash"
	TriggerMention Trigger = "mention"
	TriggerDM      Trigger = "dm"
	TriggerConsole Trigger = "console"
	TriggerAction  Trigger = "action"
	TriggerView    Trigger = "view"
	TriggerSystem  Trigger = "system"
)

// Request is one thing a person asked of opsbot: a command typed in any
// transport, a button click or a modal submission.
type Request struct {
	// UserID is the Slack user id of the person acting (U123).
	UserID string
	// UserName is a display name when the transport knows it.
	UserName string
	// Channel is where the request was made; Thread the thread ts, if any.
	Channel string
	Thread  string
	// Text is the full command text, verb included ("incident ack INC-4").
	Text string
	// Verb is the registered verb the text resolved to; Args what followed.
	Verb string
	Args args.Args
	// Trigger says how the request arrived.
	Trigger Trigger
	// TriggerID lets a handler open a modal (valid for 3 s in Slack).
	TriggerID string
	// ResponseURL is Slack's URL for answering a slash command or click.
	ResponseURL string
	// Action is set for button clicks.
	Action *Action
	// View is set for modal submissions.
	View *ViewSubmission
	// Command is the registry entry that matched, set by the router before
	// middleware runs.
	Command *Command
	// Role is the requester's role, set by the RBAC middleware.
	Role Role
}

// Action is a button click or menu choice on a message.
type Action struct {
	// ID is the action_id, "<domain>.<action>".
	ID string
	// Value is the button's value, usually an object id ("CHG-7").
	Value string
	// MessageTS is the ts of the message carrying the button.
	MessageTS string
	// BlockID identifies the block the button sits in.
	BlockID string
}

// ViewSubmission is a submitted modal.
type ViewSubmission struct {
	// CallbackID routes the submission, "<domain>.<form>".
	CallbackID string
	// ViewID identifies the view in Slack.
	ViewID string
	// PrivateMetadata is what the handler stored when opening the view.
	PrivateMetadata string
	// Values maps block id, then action id, to the value entered.
	Values map[string]map[string]string
}

// Visibility says who sees a reply.
type Visibility int

// Reply visibilities. The zero value lets the transport choose: ephemeral
// for slash commands, in the thread for mentions.
const (
	VisibleDefault Visibility = iota
	VisibleToRequester
	VisibleInChannel
	VisibleInThread
)

// Reply is what a handler answers.
type Reply struct {
	// Text is the message text (mrkdwn), also the fallback for Blocks.
	Text   string
	Blocks []slack.Block
	// Visibility chooses who sees it.
	Visibility Visibility
	// ReplaceOriginal, for clicks, updates the message that was clicked
	// instead of posting a new one.
	ReplaceOriginal bool
	// File, when set, is uploaded with the reply.
	File *File
	// View, when set, is opened as a modal with the request's trigger.
	View *slack.ModalViewRequest
	// ViewErrors, for view submissions, rejects the input with errors per
	// block id (Slack's response_action: errors).
	ViewErrors map[string]string
}

// File is content uploaded to a channel.
type File struct {
	Name    string
	Title   string
	Content []byte
}

// Text returns a plain reply.
func Text(format string) *Reply { return &Reply{Text: format} }
