package console

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

// Button is a numbered button the console user can press with `click N`.
type Button struct {
	ActionID string
	Value    string
	BlockID  string
	Label    string
	// MessageTS and Channel identify the message it belongs to.
	MessageTS string
	Channel   string
}

var (
	linkRe    = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)\|([^>]+)>`)
	bareRe    = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)>`)
	userRe    = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|([^>]+))?>`)
	chanRe    = regexp.MustCompile(`<#([A-Za-z0-9_-]+)(?:\|([^>]+))?>`)
	groupRe   = regexp.MustCompile(`<!subteam\^([A-Z0-9]+)(?:\|([^>]+))?>`)
	specialRe = regexp.MustCompile(`<!(here|channel|everyone)>`)
	// dateRe is Slack's <!date^unix^format|fallback>: the console shows
	// the fallback, which opsbot writes in the configured zone.
	dateRe = regexp.MustCompile(`<!date\^[0-9]+\^[^|>]*\|([^>]*)>`)
)

// Names maps Slack user ids to the names people go by (oncall.people),
// so that mentions read as @alice rather than @U1ALICE.
type Names map[string]string

// Mrkdwn turns Slack's mrkdwn escapes into readable terminal text, with
// no names known.
func Mrkdwn(s string) string { return Names(nil).Mrkdwn(s) }

// Render is Names.Render with no names known.
func Render(text string, blocks []slack.Block, first int) (string, []Button) {
	return Names(nil).Render(text, blocks, first)
}

// Mrkdwn turns Slack's mrkdwn escapes into readable terminal text: dates
// as their fallback, links as "label (url)", mentions as @name (the label
// Slack gave, else the known name, else the id), channels as #name.
func (n Names) Mrkdwn(s string) string {
	s = dateRe.ReplaceAllString(s, "$1")
	s = linkRe.ReplaceAllString(s, "$2 ($1)")
	s = bareRe.ReplaceAllString(s, "$1")
	s = userRe.ReplaceAllStringFunc(s, func(m string) string {
		g := userRe.FindStringSubmatch(m)
		return "@" + n.label(g[1], g[2])
	})
	s = chanRe.ReplaceAllStringFunc(s, func(m string) string {
		g := chanRe.FindStringSubmatch(m)
		if g[2] != "" {
			return "#" + g[2]
		}
		return "#" + g[1]
	})
	s = groupRe.ReplaceAllStringFunc(s, func(m string) string {
		g := groupRe.FindStringSubmatch(m)
		if g[2] != "" {
			return g[2] // Slack's label is the handle with its @
		}
		return "@" + g[1]
	})
	s = specialRe.ReplaceAllString(s, "@$1")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// User returns how the console names a user id: its name when known.
func (n Names) User(id string) string { return n.label(id, "") }

func (n Names) label(id, given string) string {
	switch {
	case given != "":
		return strings.TrimPrefix(given, "@")
	case n[id] != "":
		return n[id]
	default:
		return id
	}
}

// Render writes a message as text: blocks when present, else the text.
// Buttons are numbered from first; the ones rendered are returned.
func (n Names) Render(text string, blocks []slack.Block, first int) (string, []Button) {
	if len(blocks) == 0 {
		return n.Mrkdwn(text), nil
	}
	textOf := n.textOf
	var b strings.Builder
	var buttons []Button
	line := func(s string) {
		if s != "" {
			b.WriteString(s)
			b.WriteString("\n")
		}
	}
	for _, blk := range blocks {
		switch v := blk.(type) {
		case *slack.HeaderBlock:
			line("== " + textOf(v.Text) + " ==")
		case *slack.SectionBlock:
			line(textOf(v.Text))
			// Fields are "*Label*\nvalue": one a line, label and value joined.
			for _, f := range v.Fields {
				line("  " + strings.ReplaceAll(strings.TrimSpace(textOf(f)), "\n", ": "))
			}
			if v.Accessory != nil && v.Accessory.ButtonElement != nil {
				be := v.Accessory.ButtonElement
				n := first + len(buttons)
				buttons = append(buttons, Button{ActionID: be.ActionID, Value: be.Value, BlockID: v.BlockID, Label: textOf(be.Text)})
				line(fmt.Sprintf("  [%d] %s", n, textOf(be.Text)))
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range v.ContextElements.Elements {
				switch ce := e.(type) {
				case *slack.TextBlockObject:
					parts = append(parts, textOf(ce))
				case *slack.ImageBlockElement:
					parts = append(parts, "["+ce.AltText+"]")
				}
			}
			line("  " + strings.Join(parts, " · "))
		case *slack.DividerBlock:
			line("---")
		case *slack.ActionBlock:
			var parts []string
			for _, e := range v.Elements.ElementSet {
				if be, ok := e.(*slack.ButtonBlockElement); ok {
					n := first + len(buttons)
					buttons = append(buttons, Button{ActionID: be.ActionID, Value: be.Value, BlockID: v.BlockID, Label: textOf(be.Text)})
					parts = append(parts, fmt.Sprintf("[%d] %s", n, textOf(be.Text)))
				}
			}
			line(strings.Join(parts, "  "))
		case *slack.ImageBlock:
			line("[image: " + v.AltText + "]")
		case *slack.RichTextBlock:
			line(n.Mrkdwn(text))
		case *slack.InputBlock:
			line("  " + textOf(v.Label) + ": …")
		}
	}
	return strings.TrimRight(b.String(), "\n"), buttons
}

func (n Names) textOf(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	return n.Mrkdwn(t.Text)
}

// textOf reads a text object with no names known (form labels, titles).
func textOf(t *slack.TextBlockObject) string { return Names(nil).textOf(t) }
