package sshtest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Hosts returns every simulated host in the order the addresses were given.
func (s *Server) Hosts() []Host { return append([]Host(nil), s.hosts...) }

// Addr returns "ip:port" of the first host.
func (s *Server) Addr() string { return s.hosts[0].Addr() }

// IP returns the first host's IP.
func (s *Server) IP() string { return s.hosts[0].IP }

// Port returns the first host's port.
func (s *Server) Port() int { return s.hosts[0].Port }

// User returns the account to log in as.
func (s *Server) User() string { return s.user.Username }

// HostKey returns the public host key every host presents.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey }

// HostCertificate returns the host certificate the hosts present besides
// HostKey, or nil when the Server was started without HostCertificate.
func (s *Server) HostCertificate() *ssh.Certificate { return s.hostCert }

// KnownHostsLines returns one known_hosts line per host.
func (s *Server) KnownHostsLines() []string {
	lines := make([]string, len(s.hosts))
	for i, h := range s.hosts {
		lines[i] = knownhosts.Line([]string{knownhosts.Normalize(h.Addr())}, s.hostKey)
	}
	return lines
}

// KnownHostsFile returns the path of a known_hosts file listing every host.
func (s *Server) KnownHostsFile() string { return s.knownHosts }

// ClientKeyFile returns the path of the unencrypted client private key
// (OpenSSH PEM format, mode 0600) the servers accept.
func (s *Server) ClientKeyFile() string { return filepath.Join(s.dir, "id_ed25519") }

// ClientSigner returns the client key as a signer.
func (s *Server) ClientSigner() ssh.Signer { return s.client }

// HostDir returns a directory on the "host" owned by the login user, where
// remote commands may read and write (state files, pid files).
func (s *Server) HostDir() string { return s.hostDir }

// Log returns the tail of every sshd's stderr, for diagnosing a failure.
func (s *Server) Log() string {
	var b strings.Builder
	for i, p := range s.procs {
		fmt.Fprintf(&b, "--- sshd %d ---\n%s", i, p.Log())
	}
	return b.String()
}

// AuthorizeKey lets key log in as well (for tests of other keys: agent,
// passphrase-protected files).
func (s *Server) AuthorizeKey(key ssh.PublicKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.authorizedKeys(), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open authorized_keys: %w", err)
	}
	if _, err := f.Write(ssh.MarshalAuthorizedKey(key)); err != nil {
		f.Close()
		return fmt.Errorf("write authorized_keys: %w", err)
	}
	return f.Close()
}

// WriteScript places an executable script named name (a plain file name)
// in HostDir()/bin and returns its path, for tests that run unit-like tools
// (a fake systemctl) on the "host".
func (s *Server) WriteScript(name, body string) (string, error) {
	if name == "" || strings.ContainsRune(name, '/') {
		return "", fmt.Errorf("script name %q: want a plain file name", name)
	}
	path := filepath.Join(s.hostDir, "bin", name)
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		return "", fmt.Errorf("write script %s: %w", name, err)
	}
	// WriteFile leaves the mode of an existing file alone.
	if err := os.Chmod(path, 0o755); err != nil {
		return "", fmt.Errorf("chmod script %s: %w", name, err)
	}
	return path, nil
}

// ClientConfig returns an x/crypto/ssh client configuration that logs in
// with the client key and checks the host key against KnownHostsFile.
func (s *Server) ClientConfig() (*ssh.ClientConfig, error) {
	cb, err := knownhosts.New(s.knownHosts)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	return &ssh.ClientConfig{
		User:            s.User(),
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.client)},
		HostKeyCallback: cb,
	}, nil
}

// Dial opens a raw x/crypto/ssh connection to h, for tests that need to
// look underneath the code they test.
func (s *Server) Dial(h Host) (*ssh.Client, error) {
	cfg, err := s.ClientConfig()
	if err != nil {
		return nil, err
	}
	return ssh.Dial("tcp", net.JoinHostPort(h.IP, fmt.Sprint(h.Port)), cfg)
}

// Pids returns the process ids of the listening sshd processes, for
// benchmarks that account for server CPU time.
func (s *Server) Pids() []int {
	pids := make([]int, 0, len(s.procs))
	for _, p := range s.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}
