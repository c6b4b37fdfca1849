package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"opsbot/bot/config"
	"opsbot/bot/golden"
	"opsbot/internal/testkit"
)

// TestBrokenConfigs checks the report for each broken file against its
// golden output. Update with: go test ./cmd/opsbot -run TestBrokenConfigs -update
func TestBrokenConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/config/broken-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no broken configs found: %v", err)
	}
	files = append(files, "testdata/config/both-secret.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var out, errOut bytes.Buffer
			m := NewMain(nil, &out, &errOut)
			if err := m.ParseFlags([]string{"check-config", f}); err != nil {
				t.Fatal(err)
			}
			err := m.Run(t.Context())
			if err == nil {
				t.Fatalf("check-config accepted %s", f)
			}
			if exitCode(err) != 3 {
				t.Errorf("exit code %d, want 3", exitCode(err))
			}
			golden.Assert(t, strings.TrimSuffix(f, ".yaml")[len("testdata/"):]+".golden", []byte(err.Error()))
		})
	}
}

// TestMissingConfigFile: a config file that isn't there is a config
// problem (exit 3) that says what to do, for run and check-config alike.
func TestMissingConfigFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	for _, args := range [][]string{{"run", "-config", missing}, {"check-config", missing}} {
		m := NewMain(nil, &bytes.Buffer{}, &bytes.Buffer{})
		if err := m.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		err := m.Run(t.Context())
		if err == nil || exitCode(err) != 3 || !strings.Contains(err.Error(), "nope.yaml") || !strings.Contains(err.Error(), "give ") {
			t.Errorf("%v: err = %v (exit %d), want exit 3 naming the file and what to do", args, err, exitCode(err))
		}
	}
}

// TestExampleConfigIsValid: config.example.yaml is valid once the SSH
// files it names exist; as copied, check-config names both files and
// says how to create them, as `opsbot run` would refuse to start.
func TestExampleConfigIsValid(t *testing.T) {
	t.Setenv("SLACK_APP_TOKEN", "xapp-1-A000-placeholder")
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-placeholder")
	t.Setenv("OPSBOT_ALERTMANAGER_WEBHOOK_TOKEN", "placeholder-webhook-token")
	check := func(path string) (string, error) {
		var out bytes.Buffer
		m := NewMain(nil, &out, &out)
		if err := m.ParseFlags([]string{"check-config", path}); err != nil {
			t.Fatal(err)
		}
		err := m.Run(t.Context())
		return out.String(), err
	}
	_, err := check("../../config.example.yaml")
	for _, want := range []string{"ssh.known_hosts: the known_hosts file /etc/opsbot/known_hosts does not exist; create it with `ssh-keyscan",
		"ssh.key_file: the key file /etc/opsbot/id_ed25519 does not exist; create a key with `ssh-keygen"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("example as copied: err = %v, want it to say %q", err, want)
		}
	}

	dir := t.TempDir()
	example, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(example)
	for _, f := range []string{"known_hosts", "id_ed25519"} {
		path := filepath.Join(dir, f)
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		text = strings.ReplaceAll(text, "/etc/opsbot/"+f, path)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := check(cfg)
	if err != nil {
		t.Fatalf("config.example.yaml with its SSH files present: %v", err)
	}
	if !strings.Contains(out, "config is valid") {
		t.Errorf("output = %q", out)
	}
}

func TestSecretFromFileIsLoadedAndRedacted(t *testing.T) {
	f, err := os.Open("testdata/config/valid-file-secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, doc := loadConfig(config.NewLoader(), "valid", f, true)
	if !doc.Report().OK() {
		t.Fatal(doc.Report())
	}
	if cfg.Slack.BotToken != "xoxb-from-file-0001" {
		t.Errorf("bot token = %q", cfg.Slack.BotToken)
	}
	var logs bytes.Buffer
	a, err := newApp(cfg, doc, newTestStore(t), nil, Surface{Chat: testkit.NewChat()}, &logs)
	if err != nil {
		t.Fatal(err)
	}
	a.Log.Error("failed talking to slack", "token", cfg.Slack.BotToken, "err", "auth with xapp-1-abc refused")
	if strings.Contains(logs.String(), "xoxb-from-file") || strings.Contains(logs.String(), "xapp-1-abc") {
		t.Errorf("secret reached the log: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "[REDACTED]") {
		t.Errorf("log = %s", logs.String())
	}
}

func TestUnknownSubcommandAndFlags(t *testing.T) {
	for _, args := range [][]string{{"consle"}, {"console", "extra"}, {"-nope"}} {
		m := NewMain(nil, &bytes.Buffer{}, &bytes.Buffer{})
		err := m.ParseFlags(args)
		if err == nil || exitCode(err) != 2 && !strings.Contains(err.Error(), "flag provided but not defined") {
			t.Errorf("ParseFlags(%v) = %v", args, err)
		}
	}
}

func FuzzLoadConfig(f *testing.F) {
	for _, name := range []string{"broken-keys.yaml", "broken-types.yaml", "valid-file-secret.yaml"} {
		b, _ := os.ReadFile(filepath.Join("testdata/config", name))
		f.Add(b)
	}
	b, _ := os.ReadFile("../../config.example.yaml")
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		loader := &config.Loader{Getenv: func(string) (string, bool) { return "", false }, ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}
		_, doc := loadConfig(loader, "fuzz", bytes.NewReader(data), true)
		_ = doc.Report().String()
	})
}
