package sshexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestKind(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{fmt.Errorf("run x: %w", &ExitError{Status: 2}), "exit"},
		{fmt.Errorf("connect: %w: %w", ErrUnreachable, errors.New("refused")), "unreachable"},
		{&HostKeyError{Host: "h"}, "host_key"},
		{fmt.Errorf("x: %w", ErrAuth), "auth"},
		{ctxError(context.DeadlineExceeded), "timeout"},
		{ctxError(context.Canceled), "canceled"},
		{fmt.Errorf("x: %w", ErrSkipped), "skipped"},
		{fmt.Errorf("x: %w", ErrInvalidCommand), "invalid"},
		{errors.New("something else"), "error"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Kind(tt.err); got != tt.want {
				t.Errorf("Kind(%v) = %s, want %s", tt.err, got, tt.want)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	if got := (&ExitError{Status: 3}).Error(); got != "exit status 3" {
		t.Errorf("got %q", got)
	}
	if got := (&ExitError{Status: 137, Signal: "KILL"}).Error(); got != "killed by signal KILL" {
		t.Errorf("got %q", got)
	}
}

func TestHostKeyErrorMessage(t *testing.T) {
	base := HostKeyError{Host: "web-1", Address: "10.0.0.5:2222", KeyType: "ssh-ed25519",
		Fingerprint: "SHA256:abc", KnownHosts: "/etc/opsbot/known_hosts"}
	changed := base
	changed.Known = []string{"/etc/opsbot/known_hosts:7 ssh-ed25519 SHA256:old"}
	revoked := base
	revoked.Revoked = true
	caOnly := base
	caOnly.Authorities = []string{"/etc/opsbot/known_hosts:3 ssh-ed25519 SHA256:ca"}
	badCert := caOnly
	badCert.CA, badCert.Certificate = "SHA256:ca", "cert has expired"
	tests := []struct {
		name string
		err  HostKeyError
		want []string
	}{
		{"unknown", base, []string{"web-1", "10.0.0.5:2222", "SHA256:abc", "unknown", "ssh-keyscan -p 2222 10.0.0.5", "add its line to /etc/opsbot/known_hosts"}},
		{"changed", changed, []string{"web-1", "SHA256:abc", "CHANGED", "known_hosts:7", "SHA256:old", "man-in-the-middle", "investigate"}},
		{"revoked", revoked, []string{"web-1", "SHA256:abc", "@revoked", "do not connect"}},
		{"only a CA", caOnly, []string{"web-1", "SHA256:abc", "plain key", "only @cert-authority", "known_hosts:3", "HostCertificate",
			"ssh-keyscan -p 2222 10.0.0.5", "add the host's own key to /etc/opsbot/known_hosts"}},
		{"certificate refused", badCert, []string{"web-1", "host certificate", "cert has expired", "SHA256:abc", "signed by CA SHA256:ca",
			"ssh-keyscan -p 2222 10.0.0.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not mention %q", msg, w)
				}
			}
		})
	}
}
