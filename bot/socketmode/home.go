package socketmode

import (
	"context"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// HomeSection renders one part of a user's App Home.
type HomeSection func(ctx context.Context, userID string) ([]slack.Block, error)

// Home is the registry of App Home sections; domains add theirs at start.
type Home struct {
	mu       sync.Mutex
	names    []string
	sections map[string]HomeSection
}

// NewHome returns an empty registry.
func NewHome() *Home { return &Home{sections: map[string]HomeSection{}} }

// Add registers a section under a title, shown in registration order.
func (h *Home) Add(title string, s HomeSection) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.sections[title]; !ok {
		h.names = append(h.names, title)
	}
	h.sections[title] = s
}

// Render builds the home view for a user. A section that fails says so
// instead of taking the whole view down.
func (h *Home) Render(ctx context.Context, userID string) []slack.Block {
	h.mu.Lock()
	names := append([]string(nil), h.names...)
	h.mu.Unlock()
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "opsbot", false, false)),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "Type `/ops help` in any channel, or DM me a command.", false, false)),
	}
	for _, n := range names {
		h.mu.Lock()
		s := h.sections[n]
		h.mu.Unlock()
		blocks = append(blocks, slack.NewDividerBlock(),
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+n+"*", false, false), nil, nil))
		part, err := s(ctx, userID)
		switch {
		case err != nil:
			part = []slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "_could not load this section; try again later_", false, false))}
		case len(part) == 0:
			part = []slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "_nothing here_", false, false))}
		}
		blocks = append(blocks, part...)
	}
	return blocks
}

// maybeHome publishes the App Home when a user opens it.
func (t *Transport) maybeHome(work context.Context, evt socketmode.Event) {
	e, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	ev, ok := e.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || ev.Tab != "home" {
		return
	}
	t.inflight.Add(1)
	go func() {
		defer t.inflight.Done()
		defer t.panics.Recover("socketmode.home", nil)
		view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: t.home.Render(work, ev.User)}}
		if _, err := t.api.PublishViewContext(work, slack.PublishViewContextRequest{UserID: ev.User, View: view}); err != nil {
			t.log.Warn("publish app home", "user", ev.User, "err", err)
		}
	}()
}
