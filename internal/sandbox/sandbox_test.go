package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"opsbot/integrations/testenv"
)

// TestMissingServersAreLeftOutNamingTheirPackage: with Alertmanager and
// node exporter not on PATH the sandbox starts the rest, says which
// Debian package each missing part comes in, writes a config whose
// alertmanager.url says nothing listens there, and Close removes its
// directory.
func TestMissingServersAreLeftOutNamingTheirPackage(t *testing.T) {
	redis := testenv.LookPath(t, "redis-server", "redis-server")
	testenv.LookPath(t, "openssh-server", "/usr/sbin/sshd")
	testenv.LookPath(t, "prometheus", "/usr/bin/prometheus")
	bin := t.TempDir()
	// The sandbox's programs are found on PATH (sshd and prometheus also
	// at their absolute paths); the shim needs only the basic tools.
	if err := os.Symlink(redis, filepath.Join(bin, "redis-server")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":/usr/sbin") // useradd, for sshtest's login user
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = s.Close()
		}
	}()
	var missing []string
	for _, m := range s.Missing {
		missing = append(missing, m.Binary+"="+m.Package)
	}
	if got, want := strings.Join(missing, " "), "prometheus-node-exporter=prometheus-node-exporter prometheus-alertmanager=prometheus-alertmanager"; got != want {
		t.Errorf("missing = %s, want %s", got, want)
	}
	sum := s.Summary()
	for _, want := range []string{
		"left out: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)",
		"redis-server", "host web-3 (web, staging)", "prometheus", "Config: " + s.ConfigPath,
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	cfg, err := os.ReadFile(s.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"alertmanager.url: nothing listens there; prometheus-alertmanager is not installed", "known_hosts: ", "name: db-1",
		"summaries:\n  - {schedule: \"0 8 * * *\"", "runbooks:\n  - {name: app-status"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	// The demo services run and answer through the shim, as on a host.
	out, err := s.runOn("web-3", "systemctl status app; journalctl -u app -n 1")
	if err != nil || !strings.Contains(out, "Active: active (running)") || !strings.Contains(out, "web-3 app[") {
		t.Errorf("systemctl status on web-3: %v\n%s", err, out)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	closed = true
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after Close (%v)", s.Dir, err)
	}
	if out, _ := exec.Command("/usr/bin/pgrep", "-f", s.Dir).Output(); len(out) > 0 {
		t.Errorf("processes still mention %s: %s", s.Dir, out)
	}
}

// runOn runs cmd on the named host over SSH, as opsbot would.
func (s *Sandbox) runOn(name, cmd string) (string, error) {
	for _, spec := range s.hosts.specs {
		if spec.Name != name {
			continue
		}
		c, err := s.hosts.ssh.Dial(s.hosts.byIP[spec.IP])
		if err != nil {
			return "", err
		}
		defer c.Close()
		sess, err := c.NewSession()
		if err != nil {
			return "", err
		}
		defer sess.Close()
		out, err := sess.CombinedOutput(cmd)
		return string(out), err
	}
	return "", os.ErrNotExist
}
