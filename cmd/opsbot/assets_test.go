package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/config"
	"opsbot/internal/testkit"
)

// withCatalogue adds to the demo settings an action catalogue whose
// hosts come from the inventory alone (no actions.hosts), and a changes
// channel.
const withCatalogue = `
actions:
  groups:
    web: {services: [nginx]}
  actions:
    restart:
      argv: [systemctl, restart, "{unit}"]
      params: {unit: {type: service}}
      approval: {"*": true}
changes:
  channel: C0CHANGES
`

// TestAssetsJoinTheOtherDomains: with the demo estate, a change request
// names its hosts through the inventory (web-1 is in no actions.hosts),
// and web-1's card and history show the incident that names it and the
// change pending on it; monitor's owners come from the inventory.
func TestAssetsJoinTheOtherDomains(t *testing.T) {
	text := demoConfig + withCatalogue
	for mark := range demoDates {
		text = strings.ReplaceAll(text, mark, "2030-01-01")
	}
	cfg, doc := loadConfig(config.NewLoader(), "test", strings.NewReader(text), false)
	if !doc.Report().OK() {
		t.Fatal(doc.Report())
	}
	chat := testkit.NewChat()
	a, err := newApp(cfg, doc, newTestStore(t), nil, Surface{Chat: chat}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done, err := a.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	do := func(line string) *bot.Reply {
		t.Helper()
		r, err := a.Router.Dispatch(ctx, &bot.Request{UserID: ConsoleUser, Channel: "C0OPS", Text: line, Trigger: bot.TriggerConsole})
		if err != nil {
			t.Fatalf("%s: %s", line, bot.UserMessage(err))
		}
		return r
	}
	do("incident open sev3 Disk filling up on web-1")
	if r := do("change request restart nginx on role=web,env=prod -- rotate logs"); !strings.Contains(r.Text, "CHG-1") {
		t.Fatalf("change request: %q", r.Text)
	}
	card := allBlockText(do("asset show web-1"))
	for _, want := range []string{"*INC-1* SEV3 · Disk filling up on web-1", "*CHG-1* restart unit=nginx on role=web,env=prod (2 hosts) · requested"} {
		if !strings.Contains(card, want) {
			t.Errorf("web-1's card lacks %q:\n%s", want, card)
		}
	}
	if card := allBlockText(do("asset show db-1")); strings.Contains(card, "INC-1") || strings.Contains(card, "CHG-1") {
		t.Errorf("db-1's card shows web-1's incident or change:\n%s", card)
	}
	if h := allBlockText(do("asset history web-2")); !strings.Contains(h, "CHG-1") || strings.Contains(h, "INC-1") {
		t.Errorf("web-2's history:\n%s", h)
	}
	// The card's buttons open the desks' forms, filled in for the asset.
	for id, field := range map[string]string{"asset.incident": "services", "asset.change": "target"} {
		r, err := a.Router.Dispatch(ctx, &bot.Request{UserID: ConsoleUser, Channel: "C0OPS", Trigger: bot.TriggerAction, Action: &bot.Action{ID: id, Value: "web-1"}})
		if err != nil || r.View == nil {
			t.Fatalf("%s: %v %v", id, r, err)
		}
		filled := false
		for _, b := range r.View.Blocks.BlockSet {
			if in, ok := b.(*slack.InputBlock); ok && in.BlockID == field {
				el, _ := in.Element.(*slack.PlainTextInputBlockElement)
				filled = el != nil && el.InitialValue == "web-1"
			}
		}
		if !filled {
			t.Errorf("%s: the form's %s is not web-1", id, field)
		}
	}
	if owner, ok := a.Inventory.Owner("10.0.0.21"); !ok || owner != "@team-db" {
		t.Errorf("owner of db-1's address = %q %v", owner, ok)
	}
	if _, err := a.Router.Dispatch(ctx, &bot.Request{UserID: ConsoleUser, Channel: "C0OPS", Text: "change request restart nginx on env=prd -- x", Trigger: bot.TriggerConsole}); err == nil ||
		!strings.Contains(bot.UserMessage(err), "did you mean prod?") {
		t.Errorf("a selector matching nothing: %v", err)
	}
}

func allBlockText(r *bot.Reply) string {
	var b strings.Builder
	b.WriteString(r.Text + "\n")
	for _, bl := range r.Blocks {
		raw, _ := jsonNoEscape(bl)
		b.WriteString(raw + "\n")
	}
	return b.String()
}

func jsonNoEscape(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.String(), err
}
