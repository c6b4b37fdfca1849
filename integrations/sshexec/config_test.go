package sshexec

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigYAMLDefaults(t *testing.T) {
	const doc = `
ssh:
  known_hosts: /etc/opsbot/known_hosts
  key_file: /etc/opsbot/id_ed25519
  key_passphrase_file: /etc/opsbot/passphrase
  user: deploy
  command_timeout: 90s
  bastion:
    address: jump.example.com
`
	var got struct {
		SSH Config `yaml:"ssh"`
	}
	if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	want := Config{
		KnownHosts:         "/etc/opsbot/known_hosts",
		KeyFile:            "/etc/opsbot/id_ed25519",
		KeyPassphraseFile:  "/etc/opsbot/passphrase",
		User:               "deploy",
		Port:               22,
		Bastion:            &Bastion{Address: "jump.example.com", Port: 22, User: "deploy"},
		ConnectTimeout:     DefaultConnectTimeout,
		CommandTimeout:     90 * time.Second,
		IdleTimeout:        DefaultIdleTimeout,
		KillGrace:          DefaultKillGrace,
		MaxOutputBytes:     DefaultMaxOutputBytes,
		Concurrency:        DefaultConcurrency,
		MaxSessionsPerHost: DefaultMaxSessionsPerHost,
	}
	if got.SSH.KeepaliveInterval == nil || *got.SSH.KeepaliveInterval != DefaultKeepaliveInterval {
		t.Errorf("keepalive_interval = %v, want the default %s", got.SSH.KeepaliveInterval, DefaultKeepaliveInterval)
	}
	got.SSH.KeepaliveInterval = nil
	if *got.SSH.Bastion != *want.Bastion {
		t.Errorf("bastion = %+v, want %+v", *got.SSH.Bastion, *want.Bastion)
	}
	got.SSH.Bastion, want.Bastion = nil, nil
	if got.SSH != want {
		t.Errorf("config =\n%+v\nwant\n%+v", got.SSH, want)
	}
	if err := got.SSH.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// keepalive_interval: 0s turns probes off; leaving the key out does not.
func TestConfigKeepaliveInterval(t *testing.T) {
	tests := []struct {
		doc  string
		want time.Duration
	}{
		{"known_hosts: /k", DefaultKeepaliveInterval},
		{"keepalive_interval: 0s", 0},
		{"keepalive_interval: 15s", 15 * time.Second},
	}
	for _, tt := range tests {
		var c Config
		if err := yaml.Unmarshal([]byte(tt.doc), &c); err != nil {
			t.Fatalf("%s: %v", tt.doc, err)
		}
		c.ApplyDefaults() // as New does again: an explicit 0s stays 0s
		if got := c.keepalive(); got != tt.want {
			t.Errorf("%s: keepalive interval = %s, want %s", tt.doc, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := Config{KnownHosts: "/k", KeyFile: "/id", User: "ops"}
		c.ApplyDefaults()
		return c
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // each must appear; empty means valid
	}{
		{"valid key file", func(c *Config) {}, nil},
		{"valid agent", func(c *Config) { c.KeyFile, c.UseAgent = "", true }, nil},
		{"no known_hosts", func(c *Config) { c.KnownHosts = "" }, []string{"ssh.known_hosts"}},
		{"no auth", func(c *Config) { c.KeyFile = "" }, []string{"ssh.key_file", "use_agent"}},
		{"two passphrase sources", func(c *Config) { c.KeyPassphraseFile, c.KeyPassphraseEnv = "/p", "P" }, []string{"not both"}},
		{"passphrase without key", func(c *Config) { c.KeyFile, c.UseAgent, c.KeyPassphraseEnv = "", true, "P" }, []string{"needs key_file"}},
		{"agent socket without agent", func(c *Config) { c.AgentSocket = "/s" }, []string{"ssh.agent_socket"}},
		{"bad port", func(c *Config) { c.Port = 70000 }, []string{"ssh.port", "70000"}},
		{"bastion without address", func(c *Config) { c.Bastion = &Bastion{Port: 22, User: "u"} }, []string{"ssh.bastion.address"}},
		{"negative durations", func(c *Config) { c.CommandTimeout, c.IdleTimeout = -1, -time.Second }, []string{"ssh.command_timeout", "ssh.idle_timeout"}},
		{"keepalives off", func(c *Config) { c.KeepaliveInterval = new(time.Duration(0)) }, nil},
		{"negative keepalive", func(c *Config) { c.KeepaliveInterval = new(-time.Second) }, []string{"ssh.keepalive_interval"}},
		{
			"every problem at once",
			func(c *Config) {
				*c = Config{Port: -1, MaxOutputBytes: -5, Concurrency: -1, MaxSessionsPerHost: -2, KillGrace: -1,
					ConnectTimeout: -1, CommandTimeout: -1, IdleTimeout: -1}
			},
			[]string{"ssh.known_hosts", "ssh.key_file", "ssh.port", "ssh.max_output_bytes", "ssh.concurrency",
				"ssh.max_sessions_per_host", "ssh.kill_grace", "ssh.connect_timeout", "ssh.command_timeout", "ssh.idle_timeout"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := New(Config{})
	if err == nil || !strings.Contains(err.Error(), "ssh.known_hosts") {
		t.Fatalf("New(Config{}) = %v, want a validation error", err)
	}
	_, err = New(Config{KnownHosts: "/nonexistent/known_hosts", KeyFile: "/nonexistent/key"})
	if err == nil || !strings.Contains(err.Error(), "known_hosts") {
		t.Fatalf("New with a missing known_hosts = %v", err)
	}
}
