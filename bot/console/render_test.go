package console

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestRenderBlocksAsText(t *testing.T) {
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "INC-1 · SEV2", false, false)),
		slack.NewSectionBlock(md("Paged <@U2|bob> in <#C1|ops>, see <https://x.example/rb|the runbook>"), []*slack.TextBlockObject{md("*Status*\nOpen"), md("*Severity*\nSEV2")}, nil),
		slack.NewDividerBlock(),
		slack.NewContextBlock("", md("opened &lt;1m ago")),
		slack.NewActionBlock("b1", slack.NewButtonBlockElement("incident.ack", "INC-1", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false)),
			slack.NewButtonBlockElement("incident.resolve", "INC-1", slack.NewTextBlockObject(slack.PlainTextType, "Resolve", false, false))),
	}
	got, buttons := Render("fallback", blocks, 1)
	want := "== INC-1 · SEV2 ==\n" +
		"Paged @bob in #ops, see the runbook (https://x.example/rb)\n" +
		"  *Status*: Open\n" +
		"  *Severity*: SEV2\n" +
		"---\n" +
		"  opened <1m ago\n" +
		"[1] Acknowledge  [2] Resolve"
	if got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
	if len(buttons) != 2 || buttons[1].ActionID != "incident.resolve" || buttons[1].Value != "INC-1" || buttons[0].BlockID != "b1" {
		t.Errorf("buttons = %+v", buttons)
	}
	if got, _ := Render("plain <@U9> text", nil, 1); got != "plain @U9 text" {
		t.Errorf("text-only Render = %q", got)
	}
}

func TestDatesReadAsTheirFallback(t *testing.T) {
	got := Mrkdwn("ends <!date^1796409000^{date_short_pretty} {time}|2026-12-04 19:30 CET> (was <!date^1^{ago}|1970-01-01 00:00 UTC>)")
	if want := "ends 2026-12-04 19:30 CET (was 1970-01-01 00:00 UTC)"; got != want {
		t.Errorf("Mrkdwn = %q, want %q", got, want)
	}
}
