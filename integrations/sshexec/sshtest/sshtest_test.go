package sshtest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"

	"opsbot/integrations/sshexec/sshtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func run(t *testing.T, s *sshtest.Server, h sshtest.Host, cmd string) string {
	t.Helper()
	c, err := s.Dial(h)
	if err != nil {
		t.Fatalf("dial %s: %v", h.Addr(), err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	if err != nil {
		t.Fatalf("run %q on %s: %v: %s", cmd, h.Addr(), err, out)
	}
	return string(out)
}

func TestStartOneHost(t *testing.T) {
	s := sshtest.Start(t)
	// ps names the login shell that ran the command: /bin/sh (dash), which
	// reads no rc file, rather than bash.
	got := strings.Fields(run(t, s, s.Hosts()[0], "id -un; ps -o comm= -p $$"))
	if len(got) != 2 || got[0] != s.User() || got[1] != "sh" && got[1] != "dash" {
		t.Fatalf("remote user and shell = %q, want [%s sh]", got, s.User())
	}
	if os.Geteuid() == 0 && os.Getenv(sshtest.UserEnvVar) == "" && s.User() != sshtest.DefaultUser {
		t.Errorf("running as root, logged in as %s, want %s", s.User(), sshtest.DefaultUser)
	}
	data, err := os.ReadFile(s.KnownHostsFile())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(s.KnownHostsLines()[0])) {
		t.Errorf("known_hosts file lacks %q", s.KnownHostsLines()[0])
	}
}

// More than 16 addresses need more than one sshd process.
func TestStartManyHosts(t *testing.T) {
	s := sshtest.Start(t, sshtest.LoopbackRange(41, 20))
	hosts := s.Hosts()
	if len(hosts) != 20 {
		t.Fatalf("got %d hosts, want 20", len(hosts))
	}
	for _, h := range []sshtest.Host{hosts[0], hosts[16], hosts[19]} {
		// SSH_CONNECTION names the local address the client reached.
		out := run(t, s, h, `echo "$SSH_CONNECTION"`)
		if f := strings.Fields(out); len(f) != 4 || f[2] != h.IP {
			t.Errorf("SSH_CONNECTION on %s = %q, want server address %s", h.Addr(), out, h.IP)
		}
	}
}

func TestWriteScript(t *testing.T) {
	s := sshtest.Start(t)
	path, err := s.WriteScript("hello", "#!/bin/sh\necho \"hello $1\" > \"$2\"\n")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(s.HostDir(), "out")
	run(t, s, s.Hosts()[0], path+" world "+out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("script did not write its file: %v", err)
	}
	if string(data) != "hello world\n" {
		t.Errorf("script wrote %q", data)
	}
	if _, err := s.WriteScript("../evil", "x"); err == nil {
		t.Errorf("WriteScript accepted a path")
	}
}

// With HostCertificate the hosts present a certificate for their key,
// signed by the CA, to a client that asks for certificates.
func TestHostCertificate(t *testing.T) {
	ca, err := sshtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	s := sshtest.Start(t, sshtest.HostCertificate(ca, ssh.Certificate{ValidPrincipals: []string{"127.0.0.1"}}))
	var signedBy ssh.PublicKey
	checker := &ssh.CertChecker{IsHostAuthority: func(auth ssh.PublicKey, _ string) bool {
		signedBy = auth
		return bytes.Equal(auth.Marshal(), ca.PublicKey().Marshal())
	}}
	c, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{
		User:              s.User(),
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner())},
		HostKeyCallback:   checker.CheckHostKey,
		HostKeyAlgorithms: []string{ssh.CertAlgoED25519v01},
	})
	if err != nil {
		t.Fatalf("dial asking for a certificate: %v", err)
	}
	c.Close()
	if signedBy == nil {
		t.Fatal("the host presented no certificate")
	}
	cert := s.HostCertificate()
	if cert == nil || !bytes.Equal(cert.Key.Marshal(), s.HostKey().Marshal()) || cert.CertType != ssh.HostCert {
		t.Errorf("HostCertificate() = %+v, want a host certificate for HostKey()", cert)
	}
}
