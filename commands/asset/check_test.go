package asset

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/inventory"
	"opsbot/integrations/sshexec"
	"opsbot/integrations/sshexec/sshtest"
)

// fakeTools are a systemctl and timedatectl for the hosts: systemd is
// degraded with two failed units, and the clock is not synchronised.
var fakeTools = map[string]string{
	"systemctl": `#!/bin/sh
case "$1" in
is-system-running) echo degraded; exit 1 ;;
list-units) echo "nginx.service loaded failed failed A high performance web server"; echo "backup.service loaded failed failed Nightly backup" ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
`,
	"timedatectl": "#!/bin/sh\necho no\n",
}

// toolsDir is a folder of fakeTools the SSH login user can run.
func toolsDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "opsbot-asset-tools-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range fakeTools {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCheckAgainstRealSSHD: asset check runs over real sshd hosts through
// the runner: one progress message, the per-host report in its thread,
// a row per host in the answer; a host with an unknown key and one that
// does not answer say why in their rows while the others are checked;
// the results are kept and shown on the card.
func TestCheckAgainstRealSSHD(t *testing.T) {
	tools := toolsDir(t)
	s := sshtest.Start(t, sshtest.LoopbackRange(161, 3), sshtest.ExtraConfig("SetEnv PATH="+tools+":/usr/bin:/bin"))
	stranger := sshtest.Start(t, sshtest.Addresses("127.0.0.164")) // its key is in no known_hosts opsbot reads
	closed := closedPort(t)
	ex, err := sshexec.New(sshexec.Config{KnownHosts: s.KnownHostsFile(), KeyFile: s.ClientKeyFile(), User: s.User(),
		ConnectTimeout: 5 * time.Second, CommandTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	var assets []inventory.Asset
	for i, h := range s.Hosts() {
		assets = append(assets, inventory.Asset{Name: "chk-" + string(rune('1'+i)), Address: h.IP, Port: h.Port, Env: "prod", Role: "web"})
	}
	assets = append(assets,
		inventory.Asset{Name: "chk-stranger", Address: stranger.IP(), Port: stranger.Port(), Env: "prod", Role: "web"},
		inventory.Asset{Name: "chk-down", Address: "127.0.0.1", Port: closed, Env: "prod", Role: "web"},
		inventory.Asset{Name: "db-9", Env: "prod", Role: "db"})
	e := newEnv(t, assets, func(d *Deps, _ *Config) { d.Exec = ex })

	r := e.do("asset check role=web")
	text := allText(r)
	if !strings.Contains(r.Text, "5 hosts checked · 0 fine · 3 with warnings · 2 not checked") {
		t.Errorf("head = %q", r.Text)
	}
	kernel, _ := exec.Command("uname", "-r").Output()
	for _, name := range []string{"chk-1", "chk-2", "chk-3"} {
		row := rowOf(text, name)
		for _, want := range []string{":warning:", "2 failed units: nginx.service, backup.service", "clock not synchronised", strings.TrimSpace(string(kernel))} {
			if !strings.Contains(row, want) {
				t.Errorf("%s's row lacks %q: %s", name, want, row)
			}
		}
	}
	if row := rowOf(text, "chk-stranger"); !strings.Contains(row, ":x:") || !strings.Contains(row, "host_key") {
		t.Errorf("the host with an unknown key: %s", row)
	}
	if row := rowOf(text, "chk-down"); !strings.Contains(row, ":x:") || !strings.Contains(row, "unreachable") {
		t.Errorf("the host that does not answer: %s", row)
	}
	if strings.Contains(text, "db-9") {
		t.Error("a host the selector does not pick was checked")
	}
	// not checked first, then warnings
	if strings.Index(text, "*chk-down*") > strings.Index(text, "*chk-1*") {
		t.Error("rows with errors do not come first")
	}
	posts := e.chat.Posted("C1")
	if len(posts) < 2 || !strings.Contains(e.chat.Last("C1", posts[0].TS).Text, "check role=web: 5/5 hosts, 2 failed") {
		t.Errorf("progress message: %+v", posts)
	}
	if posts[1].Thread != posts[0].TS {
		t.Error("the per-host report is not in the progress message's thread")
	}
	results, err := e.svc.checks.latest(context.Background(), "chk-1", 5)
	if err != nil || len(results) != 1 || results[0].Uptime <= 0 || len(results[0].Failed) != 2 || results[0].TimeSync != "no" {
		t.Fatalf("kept result = %+v, %v", results, err)
	}
	if card := allText(e.do("asset show chk-1")); !strings.Contains(card, "Last check") || !strings.Contains(card, "nginx.service") {
		t.Errorf("the card does not show the last check:\n%s", card)
	}
	// the button checks one asset
	again, err := e.click(actionCheck, "chk-2")
	if err != nil || !strings.Contains(again.Text, "1 host checked") {
		t.Errorf("Check now: %v %v", again, err)
	}
}

// rowOf is the line of the results table about name.
func rowOf(text, name string) string {
	for _, l := range strings.Split(strings.ReplaceAll(text, `\n`, "\n"), "\n") {
		if strings.Contains(l, "*"+name+"*") {
			return l
		}
	}
	return ""
}

func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
