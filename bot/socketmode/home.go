package socketmode

import (
	"context"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"opsbot/bot/blocks"
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
	set := []slack.Block{
		blocks.Header("opsbot"),
		blocks.Context("Type `/ops help` in any channel, or DM me a command."),
	}
	for i, n := range names {
		h.mu.Lock()
		s := h.sections[n]
		h.mu.Unlock()
		part, err := s(ctx, userID)
		switch {
		case err != nil:
			part = []slack.Block{blocks.Context("_could not load this section; try again later_")}
		case len(part) == 0:
			part = []slack.Block{blocks.Context("_nothing here_")}
		}
		part = append([]slack.Block{slack.NewDividerBlock(), blocks.Section("*" + blocks.Escape(n) + "*")}, part...)
		// Slack refuses a Home of more than 100 blocks, and shows nothing
		// then: a section that does not fit is left out, saying so.
		if len(set)+len(part) > blocks.MaxViewBlocks-1 {
			set = append(set, blocks.Context("_"+blocks.Count(len(names)-i, "more section")+" did not fit; use the commands in a channel_"))
			break
		}
		set = append(set, part...)
	}
	return set
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
