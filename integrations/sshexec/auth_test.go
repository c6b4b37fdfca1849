package sshexec

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"opsbot/integrations/sshexec/sshtest"
)

// mustKeyPEM returns a new ed25519 private key in OpenSSH PEM format,
// encrypted when passphrase is not empty.
func mustKeyPEM(t testing.TB, passphrase string) []byte {
	t.Helper()
	pemBytes, _ := newKey(t, passphrase)
	return pemBytes
}

func newKey(t testing.TB, passphrase string) ([]byte, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block), priv
}

func authorize(t testing.TB, s *sshtest.Server, priv ed25519.PrivateKey) {
	t.Helper()
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AuthorizeKey(pub); err != nil {
		t.Fatal(err)
	}
}

func TestPassphraseProtectedKey(t *testing.T) {
	t.Parallel()
	const secret = "correct horse battery staple 42"
	s := sshtest.Start(t)
	dir := t.TempDir()
	pemBytes, priv := newKey(t, secret)
	authorize(t, s, priv)
	keyFile := filepath.Join(dir, "id_enc")
	passFile := filepath.Join(dir, "pass")
	wrongFile := filepath.Join(dir, "wrong")
	for path, data := range map[string][]byte{keyFile: pemBytes, passFile: []byte(secret + "\n"), wrongFile: []byte("not-the-" + secret)} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"OPSBOT_SSH_PASS": secret}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name    string
		cfg     func(*Config)
		wantErr string // empty: New and Run succeed
	}{
		{"passphrase file", func(c *Config) { c.KeyPassphraseFile = passFile }, ""},
		{"passphrase env", func(c *Config) { c.KeyPassphraseEnv = "OPSBOT_SSH_PASS" }, ""},
		{"no passphrase", func(c *Config) {}, "passphrase protected"},
		{"wrong passphrase file", func(c *Config) { c.KeyPassphraseFile = wrongFile }, "decrypt key_file"},
		{"unset env", func(c *Config) { c.KeyPassphraseEnv = "UNSET_PASS" }, "UNSET_PASS is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // decrypting the key is slow under -race
			cfg := testConfig(s)
			cfg.KeyFile = keyFile
			tt.cfg(&cfg)
			var logs logBuffer
			e, err := New(cfg, WithLookupEnv(lookup), WithLogger(logs.logger()))
			if tt.wantErr != "" {
				if err == nil {
					e.Close()
					t.Fatalf("New succeeded, want error %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not say %q", err, tt.wantErr)
				}
				assertNoSecret(t, err.Error(), secret, pemBytes)
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer e.Close()
			if r := e.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: []string{"true"}}); r.Err != nil {
				t.Fatalf("run: %v", r.Err)
			}
			assertNoSecret(t, logs.String(), secret, pemBytes)
		})
	}
}

// assertNoSecret fails if text holds the passphrase or any line of the key.
func assertNoSecret(t *testing.T, text, passphrase string, keyPEM []byte) {
	t.Helper()
	if strings.Contains(text, passphrase) {
		t.Errorf("passphrase leaked into %q", text)
	}
	for _, line := range strings.Split(string(keyPEM), "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
			t.Errorf("key material leaked into %q", text)
		}
	}
}

func TestAgentAuth(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	_, priv := newKey(t, "")
	authorize(t, s, priv)
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := serveAgent(t, keyring)

	cfg := testConfig(s)
	cfg.KeyFile, cfg.UseAgent = "", true
	noSock := func(string) (string, bool) { return "", false }
	e := newTestExecutor(t, cfg, WithLookupEnv(func(k string) (string, bool) {
		if k == "SSH_AUTH_SOCK" {
			return sock, true
		}
		return "", false
	}))
	if r := e.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("run with agent from SSH_AUTH_SOCK: %v", r.Err)
	}

	if _, err := New(cfg, WithLookupEnv(noSock)); err == nil || !strings.Contains(err.Error(), "SSH_AUTH_SOCK") {
		t.Errorf("New without an agent socket: err = %v, want one naming SSH_AUTH_SOCK", err)
	}

	cfg.AgentSocket = filepath.Join(t.TempDir(), "gone.sock")
	e2 := newTestExecutor(t, cfg, WithLookupEnv(noSock))
	r := e2.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: []string{"true"}})
	if !errors.Is(r.Err, ErrAuth) || !strings.Contains(r.Err.Error(), "ssh-agent") {
		t.Errorf("run with a dead agent socket: err = %v, want ErrAuth naming ssh-agent", r.Err)
	}
}

// serveAgent serves keyring on a unix socket until the test ends.
func serveAgent(t *testing.T, keyring agent.Agent) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return sock
}
