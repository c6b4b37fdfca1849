package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"opsbot/bot/blocks"
	"opsbot/bot/golden"
	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// hostileGroup is a notification whose labels and annotations try to post
// live markup: a channel mention, a foreign link, a javascript: runbook
// and a dashboard URL with | and a space in it.
func hostileGroup(n int, pad string) alertmanager.Message {
	m := payload("hostile", alertmanager.StatusFiring, map[string]string{
		"alertname": "<!channel> Disk" + pad, "severity": "<!here>" + pad, "team": "&<>" + pad,
	}, n, t0)
	m.CommonAnnotations = map[string]string{
		"runbook_url": "javascript:alert(1)",
		"dashboard":   "https://ok.example/a|b c",
	}
	for i := range m.Alerts {
		a := &m.Alerts[i]
		a.Labels["instance"] = fmt.Sprintf("<https://evil.example|click>-%d%s", i, pad)
		a.Labels["note"] = "&<>" + pad
		a.Labels["host"] = "web<!channel>"
		a.Annotations = map[string]string{
			"summary":     "<!channel> wake up <https://evil.example|click> &<>" + pad,
			"description": "<!subteam^S1> <@U0EVIL> <!date^1^{date}|x> &<>" + pad,
			"runbook_url": "javascript:alert(1)",
			"dashboard":   "https://ok.example/a|b c",
		}
		a.GeneratorURL = "<https://evil.example|click>"
	}
	return m
}

// checkInert fails t for every live token in a message's JSON that does
// not belong to opsbot (a user mention, a date, or a link to one of the
// allowed hosts), for URLs that are not http(s) on an allowed host, and
// for blocks over Slack's limits.
func checkInert(t *testing.T, raw []byte, allowedHosts ...string) {
	t.Helper()
	allowed := func(u string) bool {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") {
			return false
		}
		for _, h := range allowedHosts {
			if p.Hostname() == h {
				return true
			}
		}
		return false
	}
	tokens, urls := testkit.LiveMarkup(t, raw)
	for _, tok := range tokens {
		inner := tok.Token[1 : len(tok.Token)-1]
		switch {
		case strings.HasPrefix(inner, "@U0OWNER"), strings.HasPrefix(inner, "!date^"):
		case strings.HasPrefix(inner, "http") && allowed(strings.SplitN(inner, "|", 2)[0]):
		default:
			t.Errorf("live token %q in %q", tok.Token, blocks.Cut(tok.In, 200))
		}
	}
	for _, u := range urls {
		if !allowed(u) {
			t.Errorf("button url %q", u)
		}
	}
	checkLimits(t, raw)
}

// checkLimits fails t for blocks Slack would refuse for their size.
func checkLimits(t *testing.T, raw []byte) {
	t.Helper()
	var bs []struct {
		Type   string `json:"type"`
		Text   *struct{ Text string }
		Fields []struct{ Text string }
		// context and actions elements
		Elements []struct {
			Type string
			Text json.RawMessage
			URL  string
		}
	}
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatal(err)
	}
	if len(bs) > blocks.MaxMessageBlocks {
		t.Errorf("%d blocks", len(bs))
	}
	runes := utf8.RuneCountInString
	for i, b := range bs {
		switch b.Type {
		case "section":
			if b.Text != nil && runes(b.Text.Text) > blocks.MaxSectionText {
				t.Errorf("block %d: section of %d characters", i, runes(b.Text.Text))
			}
		case "context":
			if len(b.Elements) > blocks.MaxContext {
				t.Errorf("block %d: context of %d elements", i, len(b.Elements))
			}
			for _, e := range b.Elements {
				var s string
				_ = json.Unmarshal(e.Text, &s)
				if runes(s) > blocks.MaxContextText {
					t.Errorf("block %d: context text of %d characters", i, runes(s))
				}
			}
		case "actions":
			for _, e := range b.Elements {
				var s struct{ Text string }
				_ = json.Unmarshal(e.Text, &s)
				if runes(s.Text) > blocks.MaxButtonText || len(e.URL) > blocks.MaxURL {
					t.Errorf("block %d: button %q url of %d", i, s.Text, len(e.URL))
				}
			}
		}
	}
}

// An alert whose labels and annotations hold Slack markup is posted
// inert: no mention, no foreign link, no javascript: runbook (its button
// is left out, with a note), the dashboard link encoded, and every block
// within Slack's limits even with every field at its longest.
//
// To update: go test ./commands/monitor -run TestRenderHostileAlert -update
func TestRenderHostileAlert(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		pad  string
	}{
		{"markup", 2, ""},
		{"longest", 12, strings.Repeat("&<>x", 2500)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chat := testkit.NewChat()
			s := newTestService(t, Config{DefaultChannel: "C1", Webhook: WebhookConfig{BearerToken: testToken, MaxBodyBytes: 4 << 20}},
				Deps{Chat: chat, Hosts: owners{"web<!channel>": "U0OWNER"}})
			if code := post(t, s.Webhook(), hostileGroup(tc.n, tc.pad)); code != 200 {
				t.Fatalf("webhook: %d", code)
			}
			if err := s.Deliver(context.Background()); err != nil {
				t.Fatal(err)
			}
			msg := chat.Posts()[0].Msg
			raw, err := json.Marshal(msg.Blocks)
			if err != nil {
				t.Fatal(err)
			}
			checkInert(t, raw, "ok.example")
			if strings.ContainsAny(msg.Text, "<>") {
				t.Errorf("fallback text has markup: %q", blocks.Cut(msg.Text, 200))
			}
			all := text(msg)
			for _, want := range []string{"<https://ok.example/a%7Cb%20c|Dashboard>", "Not shown: the source and runbook links (not http(s) URLs)"} {
				if !strings.Contains(all, want) {
					t.Errorf("card lacks %q", want)
				}
			}
			if strings.Contains(all, `"alert.runbook"`) {
				t.Errorf("a Runbook button for a javascript: URL")
			}
			if tc.name == "markup" {
				golden.AssertJSON(t, "TestRenderHostileAlert/card.json", msg)
			}
		})
	}
}
