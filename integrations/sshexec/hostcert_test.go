package sshexec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"opsbot/integrations/sshexec/sshtest"
)

// caLine is a known_hosts @cert-authority line trusting ca for h.
func caLine(h sshtest.Host, ca ssh.PublicKey) string {
	return "@cert-authority " + knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, ca)
}

func newCA(t *testing.T) ssh.Signer {
	t.Helper()
	ca, err := sshtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// runWithKnownHosts runs `true` on the first host of s with known_hosts
// holding lines (a comment first, so line numbers start at 2).
func runWithKnownHosts(t *testing.T, s *sshtest.Server, lines ...string) (Result, string) {
	t.Helper()
	cfg := testConfig(s)
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	data := "# opsbot test\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(cfg.KnownHosts, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newTestExecutor(t, cfg)
	return e.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: []string{"true"}}), cfg.KnownHosts
}

// A @cert-authority line vouches for certificates the CA signed, never for
// a plain key, not even the CA's own: OpenSSH refuses both, and so do we,
// saying what to do.
func TestCertAuthorityLineIsNoHostKey(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t) // presents a plain key only
	h := s.Hosts()[0]
	tests := []struct {
		name string
		ca   ssh.PublicKey
	}{
		{"another key as CA", newCA(t).PublicKey()},
		{"the host's own key as CA", s.HostKey()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, file := runWithKnownHosts(t, s, caLine(h, tt.ca))
			var hk *HostKeyError
			if !errors.As(r.Err, &hk) || !errors.Is(r.Err, ErrHostKey) {
				t.Fatalf("err = %v, want a *HostKeyError", r.Err)
			}
			if hk.Changed() || hk.Revoked {
				t.Errorf("changed=%v revoked=%v, want neither: the file holds no host key for it", hk.Changed(), hk.Revoked)
			}
			for _, w := range []string{"host-" + h.IP, ssh.FingerprintSHA256(s.HostKey()), "@cert-authority",
				file + ":2", ssh.FingerprintSHA256(tt.ca), "ssh-keyscan", "HostCertificate"} {
				if !strings.Contains(r.Err.Error(), w) {
					t.Errorf("error %q does not mention %q", r.Err, w)
				}
			}
		})
	}
}

// A host presenting a certificate is accepted when a @cert-authority line
// for it lists the signer and the certificate is valid for the address
// dialled and for now; otherwise refused, saying why.
func TestHostCertificate(t *testing.T) {
	t.Parallel()
	ca, otherCA := newCA(t), newCA(t)
	now := time.Now()
	hour := uint64(time.Hour / time.Second)
	valid := func(ip string) ssh.Certificate {
		return ssh.Certificate{KeyId: "test host", ValidPrincipals: []string{ip}}
	}
	tests := []struct {
		name   string
		signer ssh.Signer
		cert   func(ip string) ssh.Certificate
		extra  func(s *sshtest.Server) []string // more known_hosts lines
		want   []string                         // in the error; nil: accepted
	}{
		{name: "signed by the CA", signer: ca, cert: valid},
		{name: "no principals (any host, like OpenSSH)", signer: ca,
			cert: func(string) ssh.Certificate { return ssh.Certificate{KeyId: "any"} }},
		{name: "signed by another CA", signer: otherCA, cert: valid,
			want: []string{"certificate", "signed by CA " + ssh.FingerprintSHA256(otherCA.PublicKey())}},
		{name: "another principal", signer: ca,
			cert: func(string) ssh.Certificate { return ssh.Certificate{ValidPrincipals: []string{"web-9.example"}} },
			want: []string{"certificate", "web-9.example", "principal"}},
		{name: "expired", signer: ca,
			cert: func(ip string) ssh.Certificate {
				c := valid(ip)
				c.ValidAfter, c.ValidBefore = uint64(now.Unix())-2*hour, uint64(now.Unix())-hour
				return c
			},
			want: []string{"certificate", "expired"}},
		{name: "not yet valid", signer: ca,
			cert: func(ip string) ssh.Certificate {
				c := valid(ip)
				c.ValidAfter = uint64(now.Unix()) + hour
				return c
			},
			want: []string{"certificate", "not yet valid"}},
		{name: "CA revoked", signer: ca, cert: valid,
			extra: func(*sshtest.Server) []string {
				return []string{"@revoked * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ca.PublicKey())))}
			},
			want: []string{"revoked"}},
		// OpenSSH falls back to the certified key when the certificate
		// does not do: a host whose own key is listed still gets in.
		{name: "expired, but the host's key is listed", signer: ca,
			cert: func(ip string) ssh.Certificate {
				c := valid(ip)
				c.ValidBefore = uint64(now.Unix()) - hour
				return c
			},
			extra: func(s *sshtest.Server) []string { return s.KnownHostsLines() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := sshtest.Start(t, sshtest.HostCertificate(tt.signer, tt.cert("127.0.0.1")))
			lines := []string{caLine(s.Hosts()[0], ca.PublicKey())}
			if tt.extra != nil {
				lines = append(lines, tt.extra(s)...)
			}
			r, _ := runWithKnownHosts(t, s, lines...)
			if tt.want == nil {
				if r.Err != nil {
					t.Fatalf("certificate refused: %v", r.Err)
				}
				return
			}
			var hk *HostKeyError
			if !errors.As(r.Err, &hk) || !errors.Is(r.Err, ErrHostKey) {
				t.Fatalf("err = %v, want a *HostKeyError", r.Err)
			}
			// The error names the host's key, as ssh-keyscan shows it.
			for _, w := range append(tt.want, "host-127.0.0.1", ssh.FingerprintSHA256(s.HostKey())) {
				if !strings.Contains(r.Err.Error(), w) {
					t.Errorf("error %q does not mention %q", r.Err, w)
				}
			}
		})
	}
}
