package slackemu

import (
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// Given a block over one of Slack's documented limits, when the bot posts
// it, updates with it or opens a modal with it, then the emulator refuses
// it as Slack does, saying where in its response_metadata; at the limit
// it is accepted.
func TestBlockLimitsAreEnforced(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	md := func(s string) *slack.TextBlockObject { return slack.NewTextBlockObject("mrkdwn", s, false, false) }
	pt := func(s string) *slack.TextBlockObject { return slack.NewTextBlockObject("plain_text", s, false, false) }
	btn := func(label, value string) slack.Block {
		return slack.NewActionBlock("a", slack.NewButtonBlockElement("x.y", value, pt(label)))
	}
	fields := func(n, size int) slack.Block {
		var fs []*slack.TextBlockObject
		for i := 0; i < n; i++ {
			fs = append(fs, md(strings.Repeat("f", size)))
		}
		return slack.NewSectionBlock(nil, fs, nil)
	}
	ctxN := func(n int) slack.Block {
		var els []slack.MixedElement
		for i := 0; i < n; i++ {
			els = append(els, md("c"))
		}
		return slack.NewContextBlock("", els...)
	}
	urlBtn := func(u string) slack.Block {
		b := slack.NewButtonBlockElement("x.open", "", pt("Open"))
		b.URL = u
		return slack.NewActionBlock("u", b)
	}
	opts := func(label, value string) slack.Block {
		sel := slack.NewOptionsSelectBlockElement("static_select", pt("pick"), "x.pick", slack.NewOptionBlockObject(value, pt(label), nil))
		return slack.NewActionBlock("s", sel)
	}
	for _, c := range []struct {
		name    string
		ok, bad slack.Block
		where   string
	}{
		{"section text", slack.NewSectionBlock(md(strings.Repeat("é", 3000)), nil, nil), slack.NewSectionBlock(md(strings.Repeat("é", 3001)), nil, nil), "/blocks/0/text/text"},
		{"empty section", slack.NewSectionBlock(md("x"), nil, nil), slack.NewSectionBlock(md(""), nil, nil), "/blocks/0/text/text"},
		{"field size", fields(1, 2000), fields(1, 2001), "/blocks/0/fields/0/text"},
		{"field count", fields(10, 1), fields(11, 1), "/blocks/0/fields"},
		{"header", slack.NewHeaderBlock(pt(strings.Repeat("h", 150))), slack.NewHeaderBlock(pt(strings.Repeat("h", 151))), "/blocks/0/text/text"},
		{"header type", slack.NewHeaderBlock(pt("h")), slack.NewHeaderBlock(md("h")), "/blocks/0/text/type"},
		{"context items", ctxN(10), ctxN(11), "/blocks/0/elements"},
		{"button text", btn(strings.Repeat("b", 75), "v"), btn(strings.Repeat("b", 76), "v"), "/blocks/0/elements/0/text/text"},
		{"button value", btn("b", strings.Repeat("v", 2000)), btn("b", strings.Repeat("v", 2001)), "/blocks/0/elements/0/value"},
		{"button url", urlBtn("https://runbooks.example/db"), urlBtn("javascript:alert(1)"), "/blocks/0/elements/0/url"},
		{"option text", opts(strings.Repeat("o", 75), "v"), opts(strings.Repeat("o", 76), "v"), "/blocks/0/elements/0/options/0/text/text"},
		{"option value", opts("o", strings.Repeat("v", 150)), opts("o", strings.Repeat("v", 151)), "/blocks/0/elements/0/options/0/value"},
		{"block id", slack.NewDividerBlock(), &slack.DividerBlock{Type: slack.MBTDivider, BlockID: strings.Repeat("i", 256)}, "/blocks/0/block_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ts, err := api.PostMessage("C1", slack.MsgOptionBlocks(c.ok))
			if err != nil {
				t.Fatalf("at the limit refused: %v", err)
			}
			_, _, err = api.PostMessage("C1", slack.MsgOptionBlocks(c.bad))
			var se slack.SlackErrorResponse
			if !errors.As(err, &se) || se.Err != "invalid_blocks" {
				t.Fatalf("over the limit: err = %v, want invalid_blocks", err)
			}
			if len(se.ResponseMetadata.Messages) != 1 || !strings.Contains(se.ResponseMetadata.Messages[0], "[json-pointer:"+c.where+"]") {
				t.Errorf("response_metadata = %v, want a message pointing at %s", se.ResponseMetadata.Messages, c.where)
			}
			if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionBlocks(c.bad)); !errors.As(err, &se) || se.Err != "invalid_blocks" {
				t.Errorf("update over the limit: err = %v, want invalid_blocks", err)
			}
			calls := srv.CallsTo("chat.postMessage")
			if last := calls[len(calls)-1]; !strings.Contains(last.Problem, c.where) {
				t.Errorf("recorded problem = %q", last.Problem)
			}
		})
	}
	t.Run("too many blocks", func(t *testing.T) {
		var many []slack.Block
		for i := 0; i < 51; i++ {
			many = append(many, slack.NewDividerBlock())
		}
		if _, _, err := api.PostMessage("C1", slack.MsgOptionBlocks(many...)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
			t.Errorf("51 blocks: err = %v", err)
		}
	})
	t.Run("input outside a view", func(t *testing.T) {
		in := slack.NewInputBlock("i", pt("Note"), nil, slack.NewPlainTextInputBlockElement(nil, "n"))
		if _, _, err := api.PostMessage("C1", slack.MsgOptionBlocks(in)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
			t.Errorf("input block in a message: err = %v", err)
		}
	})
}

// Modals keep their own limits: title, submit and close at most 24
// plain-text characters, input labels and max_length within Slack's.
func TestViewLimitsAreEnforced(t *testing.T) {
	srv := newTestServer(t)
	api := newAPI(t, srv, srv.BotToken())
	pt := func(s string) *slack.TextBlockObject { return slack.NewTextBlockObject("plain_text", s, false, false) }
	input := func(label string, maxLen int) slack.Block {
		return slack.NewInputBlock("i", pt(label), nil, slack.NewPlainTextInputBlockElement(nil, "n").WithMaxLength(maxLen))
	}
	view := func(title, submit string, b slack.Block) slack.ModalViewRequest {
		return slack.ModalViewRequest{Type: slack.VTModal, Title: pt(title), Submit: pt(submit), Blocks: slack.Blocks{BlockSet: []slack.Block{b}}}
	}
	for _, c := range []struct {
		name string
		v    slack.ModalViewRequest
		ok   bool
	}{
		{"fine", view(strings.Repeat("t", 24), "Open", input("Note", 3000)), true},
		{"title", view(strings.Repeat("t", 25), "Open", input("Note", 3000)), false},
		{"submit", view("Title", strings.Repeat("s", 25), input("Note", 3000)), false},
		{"label", view("Title", "Open", input(strings.Repeat("l", 2001), 3000)), false},
		{"max_length", view("Title", "Open", input("Note", 3001)), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.mu.Lock()
			trigger := srv.issueTriggerLocked("U1")
			srv.mu.Unlock()
			_, err := api.OpenView(trigger, c.v)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && (err == nil || !strings.Contains(err.Error(), "invalid_arguments")) {
				t.Fatalf("err = %v, want invalid_arguments", err)
			}
		})
	}
}
