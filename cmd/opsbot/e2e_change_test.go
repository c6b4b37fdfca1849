package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"opsbot/bot/slackemu"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/sshexec/sshtest"
)

// TestE2EChangeApprovedAndRunOverSSH: a change is requested with a slash
// command, posted with its plan and buttons, refused to its requester,
// approved by another user, run over SSH on a real sshd, and its output
// lands in the thread.
func TestE2EChangeApprovedAndRunOverSSH(t *testing.T) {
	host := sshtest.Start(t)
	am := amtest.Start(t)
	script, err := host.WriteScript("fake-systemctl", "#!/bin/sh\necho \"restarted $2 on $(hostname)\"\n")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`ssh:
  known_hosts: %s
  key_file: %s
actions:
  groups:
    web: {services: [nginx]}
  hosts:
    - {name: web-1, address: %s, port: %d, user: %s, groups: [web], env: prod}
  actions:
    restart:
      argv: [%s, restart, "{unit}"]
      params: {unit: {type: service}}
      risk: high
      role: operator
      approval: {prod: true}
changes:
  channel: C2
  silence_for: 20m
monitor:
  webhook: {bearer_token: unused-here}
  default_channel: C1
  alertmanager: {url: %q}
  prometheus: {url: "http://127.0.0.1:1"}
`, host.KnownHostsFile(), host.ClientKeyFile(), host.IP(), host.Port(), host.User(), script, am.URL())
	e := startE2E(t, noLimit+cfg)
	if _, err := e.slack.SlashCommand("U1", "C1", "/ops", "change request restart nginx on web-1 -- config reload needed"); err != nil {
		t.Fatal(err)
	}
	card := e.waitFor(t, "the change request", func(m slackemu.Message) bool {
		return m.Channel == "C2" && strings.Contains(string(m.Blocks), "change.approve")
	})
	if !strings.Contains(string(card.Blocks), "restart") || !strings.Contains(string(card.Blocks), "web-1") {
		t.Errorf("the plan is not shown: %s", card.Blocks)
	}
	value := buttonValue(t, card, "change.approve")
	// The requester cannot approve their own change.
	if _, err := e.slack.Click("U1", "C2", card.TS, "change.approve", value); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the self-approval refusal", func(m slackemu.Message) bool {
		return m.Ephemeral && m.EphemeralUser == "U1" && strings.Contains(m.Text, "so you cannot approve it")
	})
	// Another approver's click runs it.
	if _, err := e.slack.Click("U3", "C2", card.TS, "change.approve", value); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the output in the thread", func(m slackemu.Message) bool {
		return m.Channel == "C2" && m.ThreadTS == card.TS && strings.Contains(m.Text+string(m.Blocks), "restarted nginx")
	})
	// Alerts on the host were silenced in Alertmanager while it ran, and
	// the thread says so.
	e.waitFor(t, "the silence note in the thread", func(m slackemu.Message) bool {
		return m.ThreadTS == card.TS && strings.Contains(m.Text+string(m.Blocks), "Alerts on these hosts are silenced for 20m0s")
	})
	client, err := alertmanager.New(am.URL())
	if err != nil {
		t.Fatal(err)
	}
	silences, err := client.ListSilences(context.Background(), nil)
	if err != nil || len(silences) != 1 || !strings.Contains(silences[0].Comment, "CHG-1") {
		t.Errorf("silences = %+v, %v; want one for CHG-1", silences, err)
	}
	e.waitFor(t, "the card updated to succeeded", func(m slackemu.Message) bool {
		return m.TS == card.TS && strings.Contains(strings.ToLower(string(m.Blocks)), "succeeded")
	})
}
