package main

import (
	"fmt"
	"strings"
	"testing"

	"opsbot/bot/slackemu"
	"opsbot/integrations/sshexec/sshtest"
)

// TestE2EChangeApprovedAndRunOverSSH: a change is requested with a slash
// command, posted with its plan and buttons, refused to its requester,
// approved by another user, run over SSH on a real sshd, and its output
// lands in the thread.
func TestE2EChangeApprovedAndRunOverSSH(t *testing.T) {
	host := sshtest.Start(t)
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
`, host.KnownHostsFile(), host.ClientKeyFile(), host.IP(), host.Port(), host.User(), script)
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
	e.waitFor(t, "the card updated to succeeded", func(m slackemu.Message) bool {
		return m.TS == card.TS && strings.Contains(strings.ToLower(string(m.Blocks)), "succeeded")
	})
}
