package sshexec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"opsbot/integrations/sshexec/sshtest"
)

func TestHostKeyRefused(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	h := s.Hosts()[0]
	other := sshtest.Start(t) // a host with a different key
	fingerprint := ssh.FingerprintSHA256(s.HostKey())
	otherLine := knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, other.HostKey())
	revokedLine := "@revoked " + s.KnownHostsLines()[0]
	tests := []struct {
		name       string
		knownHosts string
		changed    bool
		revoked    bool
		want       []string // in the error message
	}{
		{"unknown host", other.KnownHostsLines()[0] + "\n", false, false,
			[]string{"host-" + h.IP, fingerprint, "unknown", "add its line"}},
		{"changed key", otherLine + "\n", true, false,
			[]string{"host-" + h.IP, fingerprint, "CHANGED", "investigate", ssh.FingerprintSHA256(other.HostKey())}},
		{"empty known_hosts", "", false, false, []string{fingerprint, "unknown"}},
		{"revoked key", revokedLine + "\n" + s.KnownHostsLines()[0] + "\n", false, true, []string{fingerprint, "revoked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(s)
			cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(cfg.KnownHosts, []byte(tt.knownHosts), 0o600); err != nil {
				t.Fatal(err)
			}
			e := newTestExecutor(t, cfg)
			r := e.Run(context.Background(), hostTarget(h), Command{Argv: []string{"true"}})
			var hk *HostKeyError
			if !errors.As(r.Err, &hk) || !errors.Is(r.Err, ErrHostKey) {
				t.Fatalf("err = %v, want a *HostKeyError", r.Err)
			}
			if hk.Changed() != tt.changed || hk.Revoked != tt.revoked {
				t.Errorf("changed=%v revoked=%v, want %v %v", hk.Changed(), hk.Revoked, tt.changed, tt.revoked)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Err.Error(), w) {
					t.Errorf("error %q does not mention %q", r.Err, w)
				}
			}
		})
	}
}

// An operator adds the missing line; the running Executor picks it up.
func TestHostKeyFileReloaded(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	cfg := testConfig(s)
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(cfg.KnownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newTestExecutor(t, cfg)
	target := hostTarget(s.Hosts()[0])
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); !errors.Is(r.Err, ErrHostKey) {
		t.Fatalf("before adding the key: err = %v, want ErrHostKey", r.Err)
	}
	if err := os.WriteFile(cfg.KnownHosts, []byte(s.KnownHostsLines()[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("after adding the key: %v", r.Err)
	}
}

// A host with several keys is checked against the type known_hosts holds;
// one a CA vouches for is asked for certificates first, then any plain key
// (so one without a certificate is refused with a message, not a failed
// negotiation).
func TestHostKeyAlgorithmsFollowKnownHosts(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	db, err := newHostKeyDB(s.KnownHostsFile())
	if err != nil {
		t.Fatal(err)
	}
	known, err := db.current()
	if err != nil {
		t.Fatal(err)
	}
	got, err := known.algorithms(s.Addr())
	if err != nil || len(got) != 1 || got[0] != ssh.KeyAlgoED25519 {
		t.Errorf("algorithms for %s = %v, %v; want [%s]", s.Addr(), got, err, ssh.KeyAlgoED25519)
	}
	if got, err := known.algorithms("192.0.2.1:22"); got != nil || err != nil {
		t.Errorf("algorithms for an unknown host = %v, %v; want nil (library defaults)", got, err)
	}

	path := filepath.Join(t.TempDir(), "known_hosts")
	ca := newCA(t).PublicKey()
	if err := os.WriteFile(path, []byte(caLine(s.Hosts()[0], ca)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	known, err = loadKnownHosts(path, db.probe)
	if err != nil {
		t.Fatal(err)
	}
	got, err = known.algorithms(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	firstPlain := slices.IndexFunc(got, func(a string) bool { return !isCertAlgo(a) })
	if firstPlain < 1 || !slices.Contains(got[:firstPlain], ssh.CertAlgoED25519v01) ||
		!slices.Contains(got[firstPlain:], ssh.KeyAlgoED25519) || slices.ContainsFunc(got[firstPlain:], isCertAlgo) {
		t.Errorf("algorithms for a host with a CA = %v, want certificate types, then plain ones", got)
	}
}

func TestUnreachableAndAuthErrors(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	ip, port := closedPort(t, "127.0.0.1")
	strangerKey := filepath.Join(t.TempDir(), "stranger")
	if err := os.WriteFile(strangerKey, mustKeyPEM(t, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cfg    func(*Config)
		target Target
		want   error
		says   string
	}{
		{"closed port", nil, Target{Name: "down-1", Address: ip, Port: port}, ErrUnreachable, "down-1"},
		{"key not authorized", func(c *Config) { c.KeyFile = strangerKey }, hostTarget(s.Hosts()[0]), ErrAuth, "as " + s.User()},
		{"unknown user", nil, Target{Name: "h", Address: s.IP(), Port: s.Port(), User: "nobody-opsbot"}, ErrAuth, "nobody-opsbot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(s)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			e := newTestExecutor(t, cfg)
			r := e.Run(context.Background(), tt.target, Command{Argv: []string{"true"}})
			if !errors.Is(r.Err, tt.want) {
				t.Fatalf("err = %v, want %v", r.Err, tt.want)
			}
			if !strings.Contains(r.Err.Error(), tt.says) {
				t.Errorf("error %q does not mention %q", r.Err, tt.says)
			}
			if r.ExitStatus != -1 {
				t.Errorf("exit status = %d, want -1", r.ExitStatus)
			}
		})
	}
}
