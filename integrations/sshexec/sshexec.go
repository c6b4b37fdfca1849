// Package sshexec runs commands on remote hosts over SSH for opsbot:
// host keys always checked against known_hosts, key-file or ssh-agent
// login, an optional bastion, one pooled connection per host, per-command
// timeouts that kill the remote process, capped output, and fan-out over
// many hosts in rolling batches that stop on a failure threshold.
//
// Commands are argv, never shell text: every argument is single-quoted
// (see Quote), so nothing a user types is interpreted by the remote shell.
// The remote login shell must be POSIX-compatible (sh, bash, dash, zsh).
package sshexec

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
)

// Target is one host to run commands on.
type Target struct {
	// Name identifies the host in results, errors and logs.
	Name string `yaml:"name"`
	// Address is the host name or IP to connect to; empty means Name.
	Address string `yaml:"address"`
	// Port overrides Config.Port.
	Port int `yaml:"port"`
	// User overrides Config.User.
	User string `yaml:"user"`
}

// HostPort returns "address:port" as dialed and looked up in known_hosts.
func (t Target) HostPort() string { return joinHostPort(t.Address, t.Port) }

// Executor runs commands over pooled SSH connections. It is safe for
// concurrent use; Close it to close every connection.
type Executor struct {
	cfg      Config
	log      *slog.Logger
	hostKeys *hostKeyDB
	auth     *authenticator
	pool     *pool
	// dialHook, when set (by tests), replaces the TCP dial to addr.
	dialHook func(ctx context.Context, addr string) (net.Conn, error)
}

// Option configures an Executor.
type Option func(*options)

type options struct {
	log       *slog.Logger
	lookupEnv func(string) (string, bool)
}

// WithLogger sets where the Executor logs (debug: dials and runs; warn:
// refused host keys). The default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithLookupEnv replaces os.LookupEnv for key_passphrase_env and
// SSH_AUTH_SOCK.
func WithLookupEnv(f func(string) (string, bool)) Option {
	return func(o *options) { o.lookupEnv = f }
}

// New applies defaults to cfg, validates it, reads known_hosts and the key
// (or checks the agent setting), and returns an Executor. It connects to
// nothing until the first Run.
func New(cfg Config, opts ...Option) (*Executor, error) {
	o := options{log: slog.New(slog.NewTextHandler(io.Discard, nil)), lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ssh config: %w", err)
	}
	hk, err := newHostKeyDB(cfg.KnownHosts)
	if err != nil {
		return nil, err
	}
	auth, err := newAuthenticator(cfg, o.lookupEnv)
	if err != nil {
		return nil, err
	}
	return &Executor{
		cfg:      cfg,
		log:      o.log,
		hostKeys: hk,
		auth:     auth,
		pool: newPool(poolConfig{
			idle:          cfg.IdleTimeout,
			maxSessions:   cfg.MaxSessionsPerHost,
			keepalive:     cfg.keepalive(),
			keepaliveWait: cfg.ConnectTimeout,
		}, o.log),
	}, nil
}

// Close closes every pooled connection; commands still running fail.
func (e *Executor) Close() error {
	e.pool.close()
	return nil
}

// Stats are counters for metrics and tests.
type Stats struct {
	// Dials counts SSH connections attempted (bastion included).
	Dials int64
	// Evictions counts pooled connections closed for idleness or breakage.
	Evictions int64
	// Open is the number of connections in the pool now.
	Open int
}

// Stats returns the current counters.
func (e *Executor) Stats() Stats {
	return Stats{Dials: e.pool.dials.Load(), Evictions: e.pool.evictions.Load(), Open: e.pool.size()}
}

// Dials returns how many SSH connections have been attempted: a second Run
// on a pooled host does not add one.
func (e *Executor) Dials() int64 { return e.pool.dials.Load() }

// resolve fills a target's defaults from the configuration.
func (e *Executor) resolve(t Target) (Target, error) {
	if t.Address == "" {
		t.Address = t.Name
	}
	if t.Name == "" {
		t.Name = t.Address
	}
	if t.Port == 0 {
		t.Port = e.cfg.Port
	}
	if t.User == "" {
		t.User = e.cfg.User
	}
	switch {
	case t.Address == "":
		return t, fmt.Errorf("%w: no name or address", ErrInvalidTarget)
	case t.User == "":
		return t, fmt.Errorf("%w: %s has no user and ssh.user is empty", ErrInvalidTarget, t.Name)
	case t.Port < 1 || t.Port > 65535:
		return t, fmt.Errorf("%w: %s: port %d", ErrInvalidTarget, t.Name, t.Port)
	}
	return t, nil
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
