package sandbox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"opsbot/integrations/sshexec/sshtest"
)

// hostSpec is one machine of the demo estate.
type hostSpec struct {
	Name, IP, Env string
	Group         string // web or db
	Owner         string // shown on its alerts
}

// estate is the sandbox's small estate: a web tier with a staging host
// and a database, each on its own loopback address.
func estate() []hostSpec {
	return []hostSpec{
		{Name: "web-1", IP: "127.0.0.11", Env: "prod", Group: "web", Owner: "@team-web"},
		{Name: "web-2", IP: "127.0.0.12", Env: "prod", Group: "web", Owner: "@team-web"},
		{Name: "web-3", IP: "127.0.0.13", Env: "staging", Group: "web", Owner: "@team-web"},
		{Name: "db-1", IP: "127.0.0.21", Env: "prod", Group: "db", Owner: "@team-db"},
	}
}

// groupServices are the demo services each group's hosts run.
func groupServices() map[string][]string {
	return map[string][]string{"web": {"app"}, "db": {"postgres"}}
}

//go:embed shim/unit.sh
var unitScript string

//go:embed shim/demo-service.sh
var demoServiceScript string

// hosts is the estate served by sshd: the shim scripts and the demo
// services' state under dir, which the SSH login user can reach.
type hosts struct {
	dir   string // <root>/hosts: bin/, by-ip/, state/<host>/<service>/
	specs []hostSpec
	ssh   *sshtest.Server
	byIP  map[string]sshtest.Host
}

// startHosts lays out the shim and the state directories, starts sshd on
// every host's address with the shim first on PATH, and starts each
// host's services over SSH, as opsbot would.
func startHosts(ctx context.Context, root string) (*hosts, error) {
	h := &hosts{dir: filepath.Join(root, "hosts"), specs: estate(), byIP: map[string]sshtest.Host{}}
	if err := h.layout(); err != nil {
		return nil, err
	}
	ips := make([]string, len(h.specs))
	for i, s := range h.specs {
		ips[i] = s.IP
	}
	sshDir := filepath.Join(root, "ssh")
	if err := os.Mkdir(sshDir, 0o700); err != nil {
		return nil, fmt.Errorf("ssh directory: %w", err)
	}
	// sshd gives every session this environment: the shim's systemctl and
	// journalctl come before the system's, as if they were the real ones.
	srv, err := sshtest.New(sshDir, sshtest.Addresses(ips...), sshtest.ExtraConfig(
		"SetEnv PATH="+filepath.Join(h.dir, "bin")+":/usr/local/bin:/usr/bin:/bin SANDBOX_HOSTS="+h.dir))
	if errors.Is(err, sshtest.ErrUnavailable) {
		return nil, errMissing("/usr/sbin/sshd", "openssh-server")
	}
	if err != nil {
		return nil, fmt.Errorf("start sshd: %w", err)
	}
	h.ssh = srv
	for _, sh := range srv.Hosts() {
		h.byIP[sh.IP] = sh
	}
	if err := h.giveStateTo(srv.User()); err != nil {
		h.close()
		return nil, err
	}
	if err := h.startServices(ctx); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

// layout writes bin/ (the shim as systemctl and journalctl, and
// demo-service), by-ip/<ip> (the host's name) and a state directory per
// service.
func (h *hosts) layout() error {
	for _, d := range []string{"bin", "by-ip", "state"} {
		if err := os.MkdirAll(filepath.Join(h.dir, d), 0o755); err != nil {
			return fmt.Errorf("hosts directory: %w", err)
		}
	}
	// The login user must reach hosts/ through the sandbox's root.
	if err := os.Chmod(filepath.Dir(h.dir), 0o711); err != nil {
		return fmt.Errorf("hosts directory: %w", err)
	}
	if err := os.Chmod(h.dir, 0o755); err != nil {
		return fmt.Errorf("hosts directory: %w", err)
	}
	files := map[string]string{"systemctl": unitScript, "journalctl": unitScript, "demo-service": demoServiceScript}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(h.dir, "bin", name), []byte(body), 0o755); err != nil {
			return fmt.Errorf("install %s: %w", name, err)
		}
	}
	services := groupServices()
	for _, s := range h.specs {
		if err := os.WriteFile(filepath.Join(h.dir, "by-ip", s.IP), []byte(s.Name), 0o644); err != nil {
			return fmt.Errorf("host %s: %w", s.Name, err)
		}
		for _, svc := range services[s.Group] {
			if err := os.MkdirAll(filepath.Join(h.dir, "state", s.Name, svc), 0o755); err != nil {
				return fmt.Errorf("host %s: %w", s.Name, err)
			}
		}
	}
	return nil
}

// giveStateTo lets the SSH login user write the services' pid files and
// logs (sshd runs commands as that user, not as root).
func (h *hosts) giveStateTo(name string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("look up the SSH login user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.WalkDir(filepath.Join(h.dir, "state"), func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Chown(path, uid, gid); err != nil {
			return fmt.Errorf("hand the state directory to %s: %w", name, err)
		}
		return nil
	})
}

// startServices runs `systemctl start` for every service over SSH.
func (h *hosts) startServices(ctx context.Context) error {
	services := groupServices()
	for _, s := range h.specs {
		c, err := h.ssh.Dial(h.byIP[s.IP])
		if err != nil {
			return fmt.Errorf("reach %s over SSH: %w", s.Name, err)
		}
		sess, err := c.NewSession()
		if err != nil {
			c.Close()
			return fmt.Errorf("open a session on %s: %w", s.Name, err)
		}
		out, err := sess.CombinedOutput("systemctl start " + strings.Join(services[s.Group], " "))
		sess.Close()
		c.Close()
		if err != nil {
			return fmt.Errorf("start the services of %s: %w: %s", s.Name, err, out)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// stopServices ends every demo service still running (its whole process
// group) and waits a little for each to go.
func (h *hosts) stopServices() {
	pids, _ := filepath.Glob(filepath.Join(h.dir, "state", "*", "*", "pid"))
	var alive []int
	for _, f := range pids {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 {
			continue
		}
		if syscall.Kill(-pid, syscall.SIGTERM) != nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
		alive = append(alive, pid)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range alive {
		for processAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if processAlive(pid) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
}

// processAlive reports whether pid is a process that has not exited (a
// zombie has).
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] != 'Z' && s[i+2] != 'X'
}

// close stops the services, then sshd.
func (h *hosts) close() error {
	h.stopServices()
	if h.ssh == nil {
		return nil
	}
	return h.ssh.Close()
}
