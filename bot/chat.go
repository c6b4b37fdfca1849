package bot

import (
	"context"

	"github.com/slack-go/slack"
)

// Message is something opsbot posts on its own initiative: an alert, a
// handoff notice, an incident update.
type Message struct {
	Channel string
	// Thread, when set, posts the message as a reply in that thread.
	Thread string
	Text   string
	Blocks []slack.Block
	// EphemeralTo, when set to a user id, shows the message to them only.
	EphemeralTo string
}

// Chat is what a transport offers the domains for posting outside a
// request. Domains declare the subset they use; Slack's outbox and the
// console both provide it.
type Chat interface {
	Post(ctx context.Context, m Message) (ts string, err error)
	Update(ctx context.Context, channel, ts string, m Message) error
	Upload(ctx context.Context, channel, thread string, f File) error
}
