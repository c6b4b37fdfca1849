package blocks

import "github.com/slack-go/slack"

// Mrkdwn is a mrkdwn text object; s must already be Slack text (escaped
// where it came from data or people).
func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// Plain is a plain_text object. Slack shows plain text as written, so it
// is not escaped; it is cut to n characters by the constructors that use it.
func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// Section is a section of mrkdwn text s (Slack text), cut to Slack's 3,000.
func Section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(Mrkdwn(Cut(s, MaxSectionText)), nil, nil)
}

// Fields is a section of up to ten mrkdwn fields, each cut to 2,000;
// fields past the tenth are dropped (say so in the text where it matters).
func Fields(fields ...string) *slack.SectionBlock {
	if len(fields) > MaxFields {
		fields = fields[:MaxFields]
	}
	objs := make([]*slack.TextBlockObject, len(fields))
	for i, f := range fields {
		objs[i] = Mrkdwn(Cut(f, MaxField))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

// Header is a header block of plain text cut to 150.
func Header(s string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(Plain(PlainCut(s, MaxHeader)))
}

// Context is a context block of mrkdwn texts, at most ten, each cut.
func Context(texts ...string) *slack.ContextBlock {
	if len(texts) > MaxContext {
		texts = texts[:MaxContext]
	}
	els := make([]slack.MixedElement, len(texts))
	for i, t := range texts {
		els[i] = Mrkdwn(Cut(t, MaxContextText))
	}
	return slack.NewContextBlock("", els...)
}

// Button is a button with its label cut to 75 and its action id and
// value cut to Slack's limits (values are ids like CHG-7: keep them short).
func Button(actionID, label, value string, style slack.Style) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(PlainCut(actionID, MaxActionID), PlainCut(value, MaxButtonValue), Plain(PlainCut(label, MaxButtonText)))
	if style != "" {
		b.WithStyle(style)
	}
	return b
}

// Actions is an actions block of at most 25 elements.
func Actions(blockID string, els ...slack.BlockElement) *slack.ActionBlock {
	if len(els) > MaxActions {
		els = els[:MaxActions]
	}
	return slack.NewActionBlock(PlainCut(blockID, MaxActionID), els...)
}

// Option is a select option with its label and value cut to Slack's 75
// and 150.
func Option(value, label string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(PlainCut(value, MaxOptionValue), Plain(PlainCut(label, MaxOptionText)), nil)
}

// ViewTitle is a modal title, submit or close label cut to 24.
func ViewTitle(s string) *slack.TextBlockObject { return Plain(PlainCut(s, MaxViewTitle)) }
