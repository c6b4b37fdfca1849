package testkit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/internal/slackemu"
)

// SlackAccepts posts text and blocks as the bot through a local Slack
// (internal/slackemu, which refuses what Slack refuses: block limits, bad
// URLs, over-long text) with slack-go, as opsbot does, and fails tb with
// Slack's explanation when it is refused.
func SlackAccepts(tb testing.TB, text string, blocks []slack.Block) {
	tb.Helper()
	_, api := localSlack(tb)
	opts := []slack.MsgOption{slack.MsgOptionBlocks(blocks...)}
	if text != "" {
		opts = append(opts, slack.MsgOptionText(text, false))
	}
	if _, _, err := api.PostMessageContext(context.Background(), "C1", opts...); err != nil {
		tb.Fatalf("Slack refused the message: %s", explain(err))
	}
}

// SlackAcceptsHome publishes blocks as a user's App Home the same way.
func SlackAcceptsHome(tb testing.TB, blocks []slack.Block) {
	tb.Helper()
	_, api := localSlack(tb)
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	if _, err := api.PublishViewContext(context.Background(), slack.PublishViewContextRequest{UserID: "U1", View: view}); err != nil {
		tb.Fatalf("Slack refused the App Home: %s", explain(err))
	}
}

// SlackAcceptsModal opens v as a modal the same way.
func SlackAcceptsModal(tb testing.TB, v slack.ModalViewRequest) {
	tb.Helper()
	emu, api := localSlack(tb)
	sent, err := emu.SlashCommand("U1", "C1", "/ops", "form")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := api.OpenViewContext(context.Background(), sent.TriggerID, v); err != nil {
		tb.Fatalf("Slack refused the modal: %s", explain(err))
	}
}

func localSlack(tb testing.TB) (*slackemu.Server, *slack.Client) {
	tb.Helper()
	emu := slackemu.New()
	tb.Cleanup(emu.Close)
	return emu, slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
}

// explain is Slack's error code with its response_metadata messages.
func explain(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && len(se.ResponseMetadata.Messages) > 0 {
		return se.Err + ": " + strings.Join(se.ResponseMetadata.Messages, "; ")
	}
	return err.Error()
}

// Hostile is text from data or people at its worst: every markup Slack
// would read as live (mentions, links, dates) and the characters that
// triple in length when escaped, n characters long.
func Hostile(n int) string {
	const unit = "<!channel> <https://evil.example|click> <@U0EVIL> <!date^1^{date}|x> &<> "
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(unit)
	}
	r := []rune(b.String())
	return string(r[:n])
}

// Live lists the live markup found in Slack text s that opsbot did not
// put there itself: Hostile's mentions and links, unescaped.
func Live(s string) []string {
	var found []string
	for _, m := range []string{"<!channel>", "<https://evil.example", "<@U0EVIL>", "<!date^1^"} {
		if strings.Contains(s, m) {
			found = append(found, m)
		}
	}
	return found
}
