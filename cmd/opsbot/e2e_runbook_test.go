package main

import (
	"fmt"
	"strings"
	"testing"

	"opsbot/integrations/sshexec/sshtest"
	"opsbot/internal/slackemu"
)

// TestE2ERunbooksOverSSH: runbooks from the config are jobs of the built
// binary; `jobs run` of one runs its action over SSH on a real sshd, its
// progress message ending "succeeded" and the host's output in its
// thread; one that fails mentions its owner there and opens its incident.
func TestE2ERunbooksOverSSH(t *testing.T) {
	host := sshtest.Start(t)
	script, err := host.WriteScript("opsbot-backup", "#!/bin/sh\n[ \"$1\" = broken ] && { echo 'restic: repository locked' >&2; exit 3; }\necho \"snapshot $1 saved on $(hostname)\"\n")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`ssh:
  known_hosts: %s
  key_file: %s
actions:
  groups: {db: {}}
  hosts:
    - {name: db-1, address: %s, port: %d, user: %s, groups: [db], env: prod}
  actions:
    backup: {argv: [%s, "{tag}"], params: {tag: {type: word, default: nightly}}, risk: low, approval: {"*": false}}
runbooks:
  - {name: nightly-backup, schedule: "0 2 * * *", action: backup, target: db, channel: C2, owner: S0DBA, approval: none}
  - {name: broken-backup, schedule: "0 3 * * *", action: backup, values: {tag: broken}, target: db-1, channel: C2, owner: S0DBA, approval: none, incident: sev3}
`, host.KnownHostsFile(), host.ClientKeyFile(), host.IP(), host.Port(), host.User(), script)
	e := startE2E(t, noLimit+cfg)

	if _, err := e.slack.SlashCommand("U1", "C2", "/ops", "jobs run nightly-backup"); err != nil {
		t.Fatal(err)
	}
	done := e.waitFor(t, "the runbook's progress message ending succeeded", func(m slackemu.Message) bool {
		return m.Channel == "C2" && m.ThreadTS == "" && strings.Contains(m.Text, "runbook nightly-backup: 1/1 hosts, 0 failed · succeeded")
	})
	e.waitFor(t, "the host's output in its thread", func(m slackemu.Message) bool {
		return m.ThreadTS == done.TS && strings.Contains(m.Text, "snapshot nightly saved on")
	})

	if _, err := e.slack.SlashCommand("U1", "C2", "/ops", "jobs run broken-backup"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(t, "the owner told in the failed run's thread", func(m slackemu.Message) bool {
		return m.ThreadTS != "" && strings.Contains(m.Text, "Runbook *broken-backup* failed") && strings.Contains(m.Text, "<!subteam^S0DBA>, please have a look") &&
			strings.Contains(m.Text, "I opened INC-1 for it.")
	})
	e.waitFor(t, "the incident's card", func(m slackemu.Message) bool {
		return m.Channel == "C2" && strings.Contains(m.Text, "INC-1") && strings.Contains(m.Text, "Runbook broken-backup failed")
	})
}
