package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"opsbot/internal/slackemu"
)

const incidentDesk = `oncall:
  schedules:
    - {name: sre, zone: Europe/Berlin, users: [U2], shift: 1w, handoff: "monday 09:00", start: "2026-01-05", channel: C2, escalation_policy: sre-urgent}
  policies:
    - name: sre-urgent
      levels: [{schedule: sre, after: 5m}, {users: [U3], after: 10m}]
incident:
  severities:
    sev1: {page: sre-urgent, update_every: 30m}
`

// buttonValue finds the value of the button with actionID in a message.
func buttonValue(t *testing.T, m slackemu.Message, actionID string) string {
	t.Helper()
	var blocks []map[string]any
	_ = json.Unmarshal(m.Blocks, &blocks)
	for _, b := range blocks {
		els, _ := b["elements"].([]any)
		if acc, ok := b["accessory"]; ok {
			els = append(els, acc)
		}
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["action_id"] == actionID {
				v, _ := el["value"].(string)
				return v
			}
		}
	}
	t.Fatalf("no %s button in %s", actionID, m.Blocks)
	return ""
}

// TestE2EIncidentLifecycle: open with a slash command → the on-call person
// is paged by DM → they press Acknowledge → resolve → the postmortem file
// is uploaded.
func TestE2EIncidentLifecycle(t *testing.T) {
	e := startE2E(t, noLimit+incidentDesk)
	if _, err := e.slack.SlashCommand("U1", "C1", "/incident", "open sev1 checkout is failing"); err != nil {
		t.Fatal(err)
	}
	card := e.waitFor(t, "the incident message", func(m slackemu.Message) bool {
		return m.Channel == "C1" && !m.Ephemeral && strings.Contains(string(m.Blocks), "checkout is failing")
	})
	dm, err := e.slack.DMChannel("U2")
	if err != nil {
		t.Fatal(err)
	}
	page := e.waitFor(t, "the page DM", func(m slackemu.Message) bool {
		return m.Channel == dm && strings.Contains(string(m.Blocks), "oncall.ack")
	})
	if _, err := e.slack.Click("U2", dm, page.TS, "oncall.ack", buttonValue(t, page, "oncall.ack")); err != nil {
		t.Fatal(err)
	}
	// The incident message is updated in place: acknowledged by U2. The
	// state reads "Acknowledged by" only then (the first card says "Open,
	// not acknowledged"), and its Acknowledge button is gone.
	e.waitFor(t, "the card updated to acknowledged", func(m slackemu.Message) bool {
		b := string(m.Blocks)
		return m.Channel == "C1" && m.TS == card.TS && m.Edits > 0 && strings.Contains(b, "Acknowledged by") &&
			strings.Contains(b, "U2") && !strings.Contains(b, `"incident.ack"`)
	})
	if _, err := e.slack.SlashCommand("U1", "C1", "/incident", "resolve INC-1 rolled back the deploy"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the card updated to resolved", func(m slackemu.Message) bool {
		return m.Channel == "C1" && m.TS == card.TS && strings.Contains(string(m.Blocks), "Resolved by")
	})
	if _, err := e.slack.SlashCommand("U1", "C1", "/incident", "postmortem INC-1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	f, err := e.slack.WaitForFile(ctx, func(f slackemu.File) bool { return f.Completed })
	if err != nil {
		t.Fatalf("no postmortem uploaded: %v\n%s", err, tail(e.logs.String(), 30))
	}
	for _, want := range []string{"checkout is failing", "rolled back the deploy", "@U2: paged, acknowledged"} {
		if !strings.Contains(string(f.Content), want) {
			t.Errorf("postmortem lacks %q:\n%s", want, f.Content)
		}
	}
}

// TestE2EIncidentForm: `/incident new` opens a modal; a bad submission is
// refused in the ack (the modal stays open with the error); a good one
// opens the incident in the channel the form came from.
func TestE2EIncidentForm(t *testing.T) {
	e := startE2E(t, noLimit+incidentDesk)
	if _, err := e.slack.SlashCommand("U1", "C1", "/incident", "new"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	v, err := e.slack.WaitForView(ctx, func(v slackemu.View) bool { return v.CallbackID == "incident.new" && v.Open })
	if err != nil {
		t.Fatalf("no modal: %v\n%s", err, tail(e.logs.String(), 20))
	}
	bad, err := e.slack.SubmitView(ctx, "U1", v.ID, map[string]map[string]string{
		"title": {"title": ""}, "severity": {"severity": "sev3"}})
	if err != nil {
		t.Fatal(err)
	}
	if bad.ResponseAction != "errors" || bad.Errors["title"] == "" {
		t.Errorf("empty title: response %q, errors %v; want an error on the title", bad.ResponseAction, bad.Errors)
	}
	good, err := e.slack.SubmitView(ctx, "U1", v.ID, map[string]map[string]string{
		"title": {"title": "search is slow"}, "severity": {"severity": "sev3"},
		"description": {"description": "p99 over 2 s"}, "services": {"services": "search"}})
	if err != nil {
		t.Fatal(err)
	}
	if good.ResponseAction == "errors" {
		t.Fatalf("good submission refused: %v", good.Errors)
	}
	e.waitFor(t, "the incident opened from the form, in the form's channel", func(m slackemu.Message) bool {
		return m.Channel == "C1" && !m.Ephemeral && strings.Contains(string(m.Blocks), "search is slow")
	})
}
