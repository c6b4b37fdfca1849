package main

import (
	"bytes"
	"testing"

	"opsbot/internal/slackemu"
)

// The README's local-Slack path: deploy/slackemu-config.yaml is valid, and
// every user and channel it names exists in the emulator's workspace, so
// the steps work as written.
func TestEmulatorConfigMatchesTheEmulator(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	t.Setenv("SLACK_APP_TOKEN", emu.AppToken())
	t.Setenv("SLACK_BOT_TOKEN", emu.BotToken())
	t.Setenv("SLACK_API_URL", emu.APIURL())
	var out bytes.Buffer
	m := NewMain(nil, &out, &out)
	if err := m.ParseFlags([]string{"check-config", "../../deploy/slackemu-config.yaml"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("deploy/slackemu-config.yaml: %v", err)
	}
	cfg, _, err := m.readConfig(true)
	if err != nil {
		t.Fatal(err)
	}
	for user := range cfg.RBAC.Users {
		if _, err := emu.SlashCommand(user, "C1", "/ops", "ping"); err != nil {
			t.Errorf("rbac user %s is not in the emulator's workspace: %v", user, err)
		}
	}
	channels := []string{cfg.Changes.Channel}
	for _, s := range cfg.Oncall.Schedules {
		channels = append(channels, s.Channel)
	}
	for _, ch := range channels {
		if ch == "" {
			continue
		}
		if _, err := emu.SlashCommand("U1", ch, "/ops", "ping"); err != nil {
			t.Errorf("channel %s is not in the emulator's workspace: %v", ch, err)
		}
	}
}
