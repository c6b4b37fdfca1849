package sshexec

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authenticator offers the key file's key and/or the agent's keys. Errors
// name files and sockets, never key material or passphrases.
type authenticator struct {
	signers     []ssh.Signer
	agentSocket string
}

func newAuthenticator(cfg Config, lookupEnv func(string) (string, bool)) (*authenticator, error) {
	a := &authenticator{}
	if cfg.KeyFile != "" {
		s, err := loadKey(cfg, lookupEnv)
		if err != nil {
			return nil, err
		}
		a.signers = append(a.signers, s)
	}
	if cfg.UseAgent {
		a.agentSocket = cfg.AgentSocket
		if a.agentSocket == "" {
			a.agentSocket, _ = lookupEnv("SSH_AUTH_SOCK")
		}
		if a.agentSocket == "" {
			return nil, errors.New("use_agent is set but neither agent_socket nor SSH_AUTH_SOCK names an agent socket")
		}
	}
	return a, nil
}

func loadKey(cfg Config, lookupEnv func(string) (string, bool)) (ssh.Signer, error) {
	pemBytes, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("read key_file: %w", err) // *PathError: path and errno only
	}
	pass, err := passphrase(cfg, lookupEnv)
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	if pass == nil {
		s, err := ssh.ParsePrivateKey(pemBytes)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("key_file %s is passphrase protected: set key_passphrase_file or key_passphrase_env", cfg.KeyFile)
		}
		if err != nil {
			return nil, fmt.Errorf("parse key_file %s: %w", cfg.KeyFile, err)
		}
		return s, nil
	}
	s, err := ssh.ParsePrivateKeyWithPassphrase(pemBytes, pass)
	if err != nil {
		// Decryption errors say only that the passphrase did not fit.
		return nil, fmt.Errorf("decrypt key_file %s with the configured passphrase: %w", cfg.KeyFile, err)
	}
	return s, nil
}

// passphrase returns the configured passphrase, or nil when none is set.
func passphrase(cfg Config, lookupEnv func(string) (string, bool)) ([]byte, error) {
	switch {
	case cfg.KeyPassphraseFile != "":
		b, err := os.ReadFile(cfg.KeyPassphraseFile)
		if err != nil {
			return nil, fmt.Errorf("read key_passphrase_file: %w", err)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, fmt.Errorf("key_passphrase_file %s is empty", cfg.KeyPassphraseFile)
		}
		return b, nil
	case cfg.KeyPassphraseEnv != "":
		v, ok := lookupEnv(cfg.KeyPassphraseEnv)
		if !ok || v == "" {
			return nil, fmt.Errorf("key_passphrase_env: environment variable %s is not set", cfg.KeyPassphraseEnv)
		}
		return []byte(v), nil
	}
	return nil, nil
}

// methods returns the auth methods for one handshake and a function that
// releases what they hold (the agent connection) once it is over.
func (a *authenticator) methods() ([]ssh.AuthMethod, func()) {
	var agentConn net.Conn
	cb := func() ([]ssh.Signer, error) {
		signers := append([]ssh.Signer(nil), a.signers...)
		if a.agentSocket == "" {
			return signers, nil
		}
		c, err := net.Dial("unix", a.agentSocket)
		if err != nil {
			if len(signers) > 0 {
				return signers, nil // the key file may still do
			}
			return nil, fmt.Errorf("%w: connect to ssh-agent: %w", ErrAuth, err)
		}
		if agentConn != nil {
			agentConn.Close()
		}
		agentConn = c
		fromAgent, err := agent.NewClient(c).Signers()
		if err != nil && len(signers) == 0 {
			return nil, fmt.Errorf("%w: list ssh-agent keys: %w", ErrAuth, err)
		}
		return append(signers, fromAgent...), nil
	}
	release := func() {
		if agentConn != nil {
			agentConn.Close()
		}
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(cb)}, release
}
