package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/integrations/alertmanager/amtest"
	"opsbot/integrations/sshexec/sshtest"
	"opsbot/integrations/testenv"
	"opsbot/internal/slackemu"
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
	cfg := oneHostAction(host, "restart", script) + fmt.Sprintf(`changes:
  channel: C2
  silence_for: 20m
monitor:
  webhook: {bearer_token: unused-here}
  default_channel: C1
  alertmanager: {url: %q}
  prometheus: {url: "http://127.0.0.1:1"}
`, am.URL())
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

// TestE2EStopLetsAnApprovedRunFinish: SIGTERM a moment after the final
// approval started a change whose remote command outlasts the drain. The
// run belongs to opsbot, not to the click that approved it: the command
// completes on the real sshd, and opsbot records "succeeded" and posts the
// output before it exits.
func TestE2EStopLetsAnApprovedRunFinish(t *testing.T) {
	host := sshtest.Start(t)
	script, err := host.WriteScript("deploy", "#!/bin/sh\ndir=$(dirname \"$0\")/..\ntouch \"$dir/started\"\nsleep 3\necho \"deployed $2\"\ntouch \"$dir/finished\"\n")
	if err != nil {
		t.Fatal(err)
	}
	cfg := oneHostAction(host, "deploy", script) + `changes:
  channel: C2
`
	// A drain far shorter than the command: the stop must not cut it off.
	e := startE2E(t, noLimit+cfg, runFlags{"-drain", "1s"})
	if _, err := e.slack.SlashCommand("U1", "C1", "/ops", "change request deploy nginx on web-1 -- ship it"); err != nil {
		t.Fatal(err)
	}
	card := e.waitFor(t, "the change request", func(m slackemu.Message) bool {
		return m.Channel == "C2" && strings.Contains(string(m.Blocks), "change.approve")
	})
	if _, err := e.slack.Click("U3", "C2", card.TS, "change.approve", buttonValue(t, card, "change.approve")); err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(host.HostDir(), name))
		return err == nil
	}
	testenv.Eventually(t, 15*time.Second, func() bool { return exists("started") }, "the remote command to start")
	// when opsbot is stopped while the command runs
	e.terminate(t, 30*time.Second)
	// then the command ran to its end, the result is recorded and posted
	if !exists("finished") {
		t.Errorf("the remote command was cut off by the stop\n%s", tail(e.logs.String(), 30))
	}
	state, err := e.redis.Client(t).HGet(context.Background(), "opsbot:{changes}:CHG-1", "state").Result()
	if err != nil || state != "succeeded" {
		t.Errorf("CHG-1 is %q (%v), want succeeded\n%s", state, err, tail(e.logs.String(), 30))
	}
	e.waitFor(t, "the output in the thread", func(m slackemu.Message) bool {
		return m.ThreadTS == card.TS && strings.Contains(m.Text+string(m.Blocks), "deployed nginx")
	})
	// and the approver heard so before the drain ended
	e.waitFor(t, "the answer to the approver", func(m slackemu.Message) bool {
		return m.Ephemeral && m.EphemeralUser == "U3" && strings.Contains(m.Text, "it is running, and opsbot, which is stopping, lets it finish first")
	})
	if !strings.Contains(e.logs.String(), "waiting for change runs") {
		t.Errorf("the stop did not say it waits for the run\n%s", tail(e.logs.String(), 30))
	}
}

// oneHostAction is the ssh and actions config of one real sshd host,
// web-1 (group web, running nginx, env prod), and one high-risk action
// that runs script with the unit, for operators, approved in prod.
func oneHostAction(host *sshtest.Server, action, script string) string {
	return fmt.Sprintf(`ssh:
  known_hosts: %s
  key_file: %s
actions:
  groups:
    web: {services: [nginx]}
  hosts:
    - {name: web-1, address: %s, port: %d, user: %s, groups: [web], env: prod}
  actions:
    %s:
      argv: [%s, %s, "{unit}"]
      params: {unit: {type: service}}
      risk: high
      role: operator
      approval: {prod: true}
`, host.KnownHostsFile(), host.ClientKeyFile(), host.IP(), host.Port(), host.User(), action, script, action)
}
