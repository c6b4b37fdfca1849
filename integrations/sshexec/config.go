package sshexec

import (
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults applied by Config.ApplyDefaults.
const (
	DefaultPort               = 22
	DefaultConnectTimeout     = 10 * time.Second
	DefaultCommandTimeout     = 60 * time.Second
	DefaultIdleTimeout        = 5 * time.Minute
	DefaultKillGrace          = 2 * time.Second
	DefaultMaxOutputBytes     = 64 << 10
	DefaultConcurrency        = 32
	DefaultMaxSessionsPerHost = 8
	DefaultKeepaliveInterval  = 30 * time.Second
)

// Config is the ssh section of opsbot's YAML configuration.
type Config struct {
	// KnownHosts is the known_hosts file every host key (bastion included)
	// is checked against, as OpenSSH does: host key lines, @revoked, and
	// @cert-authority lines, which trust host certificates that CA signed
	// (never a plain key). Required; it is re-read when it changes.
	KnownHosts string `yaml:"known_hosts"`
	// KeyFile is a PEM private key file (OpenSSH, PKCS#1/#8) to log in with.
	KeyFile string `yaml:"key_file"`
	// KeyPassphraseFile holds the key's passphrase (trailing newline ignored).
	KeyPassphraseFile string `yaml:"key_passphrase_file"`
	// KeyPassphraseEnv names an environment variable holding the passphrase.
	KeyPassphraseEnv string `yaml:"key_passphrase_env"`
	// UseAgent logs in with the keys of the ssh-agent at AgentSocket.
	UseAgent bool `yaml:"use_agent"`
	// AgentSocket is the agent's socket; empty means $SSH_AUTH_SOCK.
	AgentSocket string `yaml:"agent_socket"`
	// User is the login for targets that name none.
	User string `yaml:"user"`
	// Port is the port for targets that name none (default 22).
	Port int `yaml:"port"`
	// Bastion, when set, is the jump host every target is reached through.
	Bastion *Bastion `yaml:"bastion"`
	// ConnectTimeout bounds TCP connect plus SSH handshake (default 10s).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// CommandTimeout bounds a command that sets no timeout (default 60s).
	CommandTimeout time.Duration `yaml:"command_timeout"`
	// IdleTimeout closes a pooled connection unused this long (default 5m).
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// KeepaliveInterval is how often each pooled connection is probed
	// with a keepalive@openssh.com request; a connection that does not
	// answer within ConnectTimeout is closed and dropped from the pool, so
	// the next command dials instead of finding it dead. Leaving it out
	// means 30s; 0s turns probing off.
	KeepaliveInterval *time.Duration `yaml:"keepalive_interval"`
	// KillGrace is how long a cancelled command has between SIGTERM and
	// SIGKILL (default 2s).
	KillGrace time.Duration `yaml:"kill_grace"`
	// MaxOutputBytes caps what is kept of stdout and of stderr, each
	// (default 64 KiB). The rest is read, counted and dropped.
	MaxOutputBytes int `yaml:"max_output_bytes"`
	// Concurrency is the fan-out parallelism when FanoutOptions sets none
	// (default 32).
	Concurrency int `yaml:"concurrency"`
	// MaxSessionsPerHost limits concurrent commands on one connection; keep
	// it under the hosts' sshd MaxSessions (OpenSSH default 10; default 8).
	MaxSessionsPerHost int `yaml:"max_sessions_per_host"`
}

// Bastion is a jump host: opsbot logs in to it, then opens a TCP tunnel to
// each target through it. Its host key is checked like any other.
type Bastion struct {
	Address string `yaml:"address"`
	// Port defaults to Config.Port.
	Port int `yaml:"port"`
	// User defaults to Config.User.
	User string `yaml:"user"`
}

// UnmarshalYAML decodes the section and applies defaults; call Validate
// once the whole configuration is loaded.
func (c *Config) UnmarshalYAML(value *yaml.Node) error {
	type plain Config
	if err := value.Decode((*plain)(c)); err != nil {
		return err
	}
	c.ApplyDefaults()
	return nil
}

// ApplyDefaults fills every unset field that has a default.
func (c *Config) ApplyDefaults() {
	setDefault(&c.Port, DefaultPort)
	setDefault(&c.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&c.CommandTimeout, DefaultCommandTimeout)
	setDefault(&c.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.KillGrace, DefaultKillGrace)
	setDefault(&c.MaxOutputBytes, DefaultMaxOutputBytes)
	setDefault(&c.Concurrency, DefaultConcurrency)
	setDefault(&c.MaxSessionsPerHost, DefaultMaxSessionsPerHost)
	if c.KeepaliveInterval == nil {
		c.KeepaliveInterval = new(DefaultKeepaliveInterval)
	}
	if c.Bastion != nil {
		setDefault(&c.Bastion.Port, c.Port)
		if c.Bastion.User == "" {
			c.Bastion.User = c.User
		}
	}
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// Validate reports every problem in the section at once, each naming its
// key. It expects ApplyDefaults to have run.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("ssh.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.KnownHosts == "" {
		bad("known_hosts", "required: host keys are always checked")
	}
	if c.KeyFile == "" && !c.UseAgent {
		bad("key_file", "set key_file or use_agent: true")
	}
	if c.KeyPassphraseFile != "" && c.KeyPassphraseEnv != "" {
		bad("key_passphrase_file", "set key_passphrase_file or key_passphrase_env, not both")
	}
	if (c.KeyPassphraseFile != "" || c.KeyPassphraseEnv != "") && c.KeyFile == "" {
		bad("key_passphrase_file", "a passphrase needs key_file")
	}
	if c.AgentSocket != "" && !c.UseAgent {
		bad("agent_socket", "set only with use_agent: true")
	}
	checkPort := func(key string, p int) {
		if p < 1 || p > 65535 {
			bad(key, "%d is not a TCP port (1-65535)", p)
		}
	}
	checkPort("port", c.Port)
	if b := c.Bastion; b != nil {
		if b.Address == "" {
			bad("bastion.address", "required when bastion is set")
		}
		checkPort("bastion.port", b.Port)
		if b.User == "" {
			bad("bastion.user", "required when bastion is set and ssh.user is empty")
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"connect_timeout", c.ConnectTimeout},
		{"command_timeout", c.CommandTimeout},
		{"idle_timeout", c.IdleTimeout},
		{"kill_grace", c.KillGrace},
	} {
		if d.v <= 0 {
			bad(d.key, "%s: must be positive", d.v)
		}
	}
	if c.KeepaliveInterval != nil && *c.KeepaliveInterval < 0 {
		bad("keepalive_interval", "%s: must be positive, or 0s to turn keepalives off", *c.KeepaliveInterval)
	}
	if c.MaxOutputBytes <= 0 {
		bad("max_output_bytes", "%d: must be positive", c.MaxOutputBytes)
	}
	if c.Concurrency <= 0 {
		bad("concurrency", "%d: must be positive", c.Concurrency)
	}
	if c.MaxSessionsPerHost <= 0 {
		bad("max_sessions_per_host", "%d: must be positive", c.MaxSessionsPerHost)
	}
	return errors.Join(errs...)
}

// keepalive returns the keepalive interval, 0 when probing is off.
func (c Config) keepalive() time.Duration {
	if c.KeepaliveInterval == nil {
		return 0
	}
	return *c.KeepaliveInterval
}
