package summary

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/internal/testkit"
)

// Given every field the summary shows at its longest and full of markup
// and &s (incident titles, alert names, instances and severities, the
// hosts' labels and so the changes' targets, a change's reason, the
// summary's selector), when the summary is built, then Slack (the strict
// local one) accepts it and the only live markup is opsbot's own:
// mentions of the fixture's people and dates.
func TestHostileSummaryIsAcceptedAndInert(t *testing.T) {
	hostile := func(n int) string { return strings.TrimSpace(testkit.Hostile(n)) }
	label := hostile(inventory.MaxValueLen) // the longest value an inventory label takes
	f := newFixture(t, fixtureOpts{hostLabel: label})
	f.seed(t, func(s string) string {
		if s == "web" {
			return label
		}
		return hostile(90) + s
	})
	long := hostile(4000)
	for i := range f.prom.up {
		f.prom.up[i].Labels["instance"] = long
		f.prom.up[i].Value = 0
	}
	f.prom.noisy = nil
	for range 10 {
		f.prom.noisy = append(f.prom.noisy, promapi.Sample{Labels: map[string]string{"alertname": long}, Value: 7})
	}
	f.am.alerts = nil
	for i := range 40 {
		f.am.alerts = append(f.am.alerts, alertmanager.GettableAlert{Labels: map[string]string{"severity": long + string(rune('a'+i%26)) + string(rune('a'+i/26))}})
	}
	s := f.service(t, Config{{Name: "web", Channel: "C0OPS", Selector: "team=" + label}})

	b := s.Build(context.Background(), s.cfg[0], f.clock.Now(), occasion{}, true)

	testkit.SlackAccepts(t, b.Message.Text, b.Message.Blocks)
	raw := mustJSON(t, b.Message.Blocks)
	if live := testkit.Live(b.Message.Text + string(raw)); len(live) > 0 {
		t.Errorf("live hostile markup %v", live)
	}
	own := regexp.MustCompile(`^<(@U[0-9A-Z]+|!date\^\d+\^[^|]+\|[^<>]+)>$`)
	tokens, urls := testkit.LiveMarkup(t, mustJSONRaw(t, b.Message.Blocks))
	for _, tok := range tokens {
		if !own.MatchString(tok.Token) {
			t.Errorf("live token %q", tok.Token)
		}
	}
	if len(urls) > 0 {
		t.Errorf("links %v", urls)
	}
	for _, want := range []string{"*Monitoring*", "*Incidents*", "*Changes*", "*On call*"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the %s section is missing", want)
		}
	}
	if n := len(b.Message.Blocks); n > blocks.MaxMessageBlocks {
		t.Errorf("%d blocks", n)
	}
	if utf8.RuneCountInString(b.Message.Text) > 500 {
		t.Errorf("fallback text of %d characters", utf8.RuneCountInString(b.Message.Text))
	}
}

// Given more sections than a message holds, each with a title and text
// past Slack's limits, when the summary is built, then Slack accepts it:
// texts are cut, and the sections past the twentieth are named as left
// out.
func TestOversizedSummaryIsCut(t *testing.T) {
	var sources []Source
	for i := range 30 {
		sources = append(sources, Source{Domain: "d" + string(rune('a'+i%26)) + string(rune('a'+i/26)),
			Provider: &provider{sec: &bot.SummarySection{Title: testkit.Hostile(400), Text: blocks.Escape(testkit.Hostile(10_000))}}})
	}
	s, clock := newService(t, nil, testkit.NewChat(), sources...)

	b := s.Build(context.Background(), Summary{}, clock.Now(), occasion{}, true)

	testkit.SlackAccepts(t, b.Message.Text, b.Message.Blocks)
	if text := blocksText(t, b.Message); strings.Count(text, "is left out: a summary holds 20 sections") != 10 {
		t.Errorf("the 10 sections past the 20th are not named:\n%s", text)
	}
}
