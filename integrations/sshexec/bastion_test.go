package sshexec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"opsbot/integrations/sshexec/sshtest"
)

func TestBastion(t *testing.T) {
	t.Parallel()
	jump := sshtest.Start(t, sshtest.Addresses("127.0.0.2"))
	// The same jump host, but refusing to open tunnels: what succeeds
	// through jump must have gone through it.
	noTunnels := sshtest.Start(t, sshtest.Addresses("127.0.0.3"), sshtest.ExtraConfig("AllowTcpForwarding no"))
	target := sshtest.Start(t, sshtest.Addresses("127.0.0.4"))
	downIP, downPort := closedPort(t, "127.0.0.5")

	// One known_hosts for all; the bastions accept the target's client key.
	dir := t.TempDir()
	allKnown := filepath.Join(dir, "known_hosts")
	lines := append(append(jump.KnownHostsLines(), noTunnels.KnownHostsLines()...), target.KnownHostsLines()...)
	if err := os.WriteFile(allKnown, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	targetOnly := filepath.Join(dir, "target_only")
	if err := os.WriteFile(targetOnly, []byte(target.KnownHostsLines()[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*sshtest.Server{jump, noTunnels} {
		if err := b.AuthorizeKey(target.ClientSigner().PublicKey()); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name       string
		bastion    Bastion
		knownHosts string
		want       error
		says       string
	}{
		{"through the bastion", Bastion{Address: jump.IP(), Port: jump.Port()}, allKnown, nil, ""},
		{"bastion forbids tunnels", Bastion{Address: noTunnels.IP(), Port: noTunnels.Port()}, allKnown, ErrUnreachable, "via bastion"},
		{"bastion down", Bastion{Address: downIP, Port: downPort}, allKnown, ErrUnreachable, "bastion " + downIP},
		{"bastion host key unknown", Bastion{Address: jump.IP(), Port: jump.Port()}, targetOnly, ErrHostKey, "bastion " + jump.IP()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(target)
			cfg.KnownHosts = tt.knownHosts
			b := tt.bastion
			cfg.Bastion = &b
			e := newTestExecutor(t, cfg)
			r := e.Run(context.Background(), hostTarget(target.Hosts()[0]), Command{Argv: []string{"echo", "hi"}})
			if tt.want == nil {
				if r.Err != nil || r.Stdout != "hi\n" {
					t.Fatalf("run through bastion: %q, %v", r.Stdout, r.Err)
				}
				// Bastion and target: two connections, both pooled.
				r = e.Run(context.Background(), hostTarget(target.Hosts()[0]), Command{Argv: []string{"true"}})
				if st := e.Stats(); r.Err != nil || st.Dials != 2 || st.Open != 2 {
					t.Errorf("second run: %v; stats %+v, want 2 dials and 2 open", r.Err, st)
				}
				return
			}
			if !errors.Is(r.Err, tt.want) || !strings.Contains(r.Err.Error(), tt.says) {
				t.Fatalf("err = %v, want %v mentioning %q", r.Err, tt.want, tt.says)
			}
		})
	}
}
