// Package sshtest starts real OpenSSH sshd processes on loopback for tests
// and benchmarks, like net/http/httptest does for HTTP servers.
//
// One Server can pose as many hosts: each address given with Addresses or
// LoopbackRange (127.0.0.x) gets its own random port, and since one sshd
// accepts at most 16 listen sockets, several sshd processes share the work.
// All of them use one generated ed25519 host key and accept one generated
// client key (HostCertificate adds a host certificate). Commands run as an unprivileged account with /bin/sh as login
// shell (see UserEnvVar and DefaultUser), so a root ~/.bashrc does not run
// for every command. A known_hosts file for all hosts is written too, so
// clients check host keys in tests just as they do in production.
package sshtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"opsbot/integrations/testenv"
)

// ErrUnavailable means sshd is not installed; Start turns it into a skip (or
// a failure under OPSBOT_INTEGRATION=require).
var ErrUnavailable = errors.New("need /usr/sbin/sshd (apt-get install openssh-server)")

// Host is one simulated host: a loopback IP and the port its sshd listens on.
type Host struct {
	IP   string
	Port int
}

// Addr returns "ip:port" for dialing.
func (h Host) Addr() string { return net.JoinHostPort(h.IP, strconv.Itoa(h.Port)) }

// Server is a set of running sshd processes serving one or more hosts.
type Server struct {
	hosts      []Host
	user       *user.User
	dir        string
	hostDir    string
	hostKey    ssh.PublicKey
	hostCert   *ssh.Certificate // nil unless HostCertificate was given
	certFile   string
	client     ssh.Signer
	knownHosts string
	procs      []*process

	mu        sync.Mutex // guards authorized_keys
	closeOnce sync.Once
}

// Start runs sshd for tb with files in tb.TempDir() and stops it in
// tb.Cleanup. Without sshd the test is skipped (or fails when
// OPSBOT_INTEGRATION=require).
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := New(tb.TempDir(), opts...)
	if errors.Is(err, ErrUnavailable) {
		testenv.Unavailable(tb, err.Error())
		return nil
	}
	if err != nil {
		tb.Fatalf("start sshd: %v", err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("sshd log (tail):\n%s", s.Log())
		}
		if err := s.Close(); err != nil {
			tb.Errorf("stop sshd: %v", err)
		}
	})
	return s
}

// New starts the servers with private files (keys, configs, known_hosts) in
// dir, which must exist. The caller must Close the Server. Start is the
// usual entry point; New serves programs such as benchmarks.
func New(dir string, opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if len(o.addrs) == 0 {
		return nil, errors.New("sshtest: no listen addresses")
	}
	bin, err := sshdPath()
	if err != nil {
		return nil, err
	}
	u, err := loginUser()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// sshd started by root needs its privilege separation directory;
		// Debian's init script would create it, but no service runs here.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return nil, fmt.Errorf("create /run/sshd: %w", err)
		}
	}
	s := &Server{user: u, dir: dir}
	if err := s.prepareFiles(); err != nil {
		s.Close()
		return nil, err
	}
	if o.ca != nil {
		if s.hostCert, s.certFile, err = writeHostCert(dir, s.hostKey, o.ca, o.cert); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.startAll(bin, o); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.writeKnownHosts(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func sshdPath() (string, error) {
	if _, err := os.Stat("/usr/sbin/sshd"); err == nil {
		return "/usr/sbin/sshd", nil
	}
	if p, err := exec.LookPath("sshd"); err == nil {
		return p, nil
	}
	return "", ErrUnavailable
}

// prepareFiles generates the keys and the host directory the login user can
// read: authorized_keys and scripts live there.
func (s *Server) prepareFiles() error {
	var err error
	host, err := newKeyFile(filepath.Join(s.dir, "ssh_host_ed25519_key"))
	if err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	s.hostKey = host.PublicKey()
	if s.client, err = newKeyFile(s.ClientKeyFile()); err != nil {
		return fmt.Errorf("client key: %w", err)
	}
	// The test's TempDir is private to root; sshd reads authorized_keys as
	// the login user, so those files live in a directory of their own.
	if s.hostDir, err = os.MkdirTemp("", "opsbot-sshtest-"); err != nil {
		return fmt.Errorf("host directory: %w", err)
	}
	if err := os.Chmod(s.hostDir, 0o755); err != nil {
		return fmt.Errorf("host directory: %w", err)
	}
	if err := os.Mkdir(filepath.Join(s.hostDir, "bin"), 0o755); err != nil {
		return fmt.Errorf("host directory: %w", err)
	}
	if err := s.chownToUser(s.hostDir); err != nil {
		return err
	}
	return s.AuthorizeKey(s.client.PublicKey())
}

func (s *Server) chownToUser(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	uid, _ := strconv.Atoi(s.user.Uid)
	gid, _ := strconv.Atoi(s.user.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, s.user.Username, err)
	}
	return nil
}

// startAll starts one sshd per 16 addresses, retrying with new ports when a
// chosen port was taken in between.
func (s *Server) startAll(bin string, o options) error {
	for start := 0; start < len(o.addrs); start += maxListenPerProcess {
		chunk := o.addrs[start:min(start+maxListenPerProcess, len(o.addrs))]
		var err error
		for attempt := 0; attempt < 5; attempt++ {
			var hosts []Host
			var p *process
			if hosts, err = pickPorts(chunk); err != nil {
				return err
			}
			n := len(s.procs)
			config := filepath.Join(s.dir, fmt.Sprintf("sshd_config.%d", n))
			if err = os.WriteFile(config, []byte(s.config(n, hosts, o.extra)), 0o600); err != nil {
				return fmt.Errorf("write sshd config: %w", err)
			}
			p, err = startProcess(bin, config, len(hosts), 10*time.Second)
			var bindErr *bindError
			if errors.As(err, &bindErr) {
				continue
			}
			if err != nil {
				return err
			}
			s.procs = append(s.procs, p)
			s.hosts = append(s.hosts, hosts...)
			break
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pickPorts finds a free port on each IP by binding port 0.
func pickPorts(ips []string) ([]Host, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	hosts := make([]Host, 0, len(ips))
	for _, ip := range ips {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, fmt.Errorf("find a free port on %s: %w", ip, err)
		}
		ls = append(ls, l)
		hosts = append(hosts, Host{IP: ip, Port: l.Addr().(*net.TCPAddr).Port})
	}
	return hosts, nil
}

func (s *Server) config(n int, hosts []Host, extra []string) string {
	lines := make([]string, 0, len(hosts)+24)
	for _, h := range hosts {
		lines = append(lines, "ListenAddress "+h.Addr())
	}
	// For most keywords sshd keeps the first value it reads, so extra
	// lines go before the defaults to override them.
	lines = append(lines, extra...)
	if s.certFile != "" {
		lines = append(lines, "HostCertificate "+s.certFile)
	}
	lines = append(lines,
		"HostKey "+filepath.Join(s.dir, "ssh_host_ed25519_key"),
		"PidFile "+filepath.Join(s.dir, fmt.Sprintf("sshd.%d.pid", n)),
		"AuthorizedKeysFile "+s.authorizedKeys(),
		"AllowUsers "+s.user.Username,
		"UsePAM no",
		"StrictModes no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication yes",
		"PermitRootLogin prohibit-password",
		"AllowTcpForwarding yes",
		"UseDNS no",
		"PrintMotd no",
		"MaxStartups 200:30:400",
		"MaxSessions 50",
		"LogLevel INFO",
	)
	return strings.Join(lines, "\n") + "\n"
}

func (s *Server) authorizedKeys() string { return filepath.Join(s.hostDir, "authorized_keys") }

func (s *Server) writeKnownHosts() error {
	s.knownHosts = filepath.Join(s.dir, "known_hosts")
	data := strings.Join(s.KnownHostsLines(), "\n") + "\n"
	if err := os.WriteFile(s.knownHosts, []byte(data), 0o600); err != nil {
		return fmt.Errorf("write known_hosts: %w", err)
	}
	return nil
}

// Close stops every sshd and removes the host directory. Clients should be
// closed first: sessions still open keep their forked sshd alive.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		for _, p := range s.procs {
			p.stop()
		}
		if s.hostDir != "" {
			err = os.RemoveAll(s.hostDir)
		}
	})
	return err
}
