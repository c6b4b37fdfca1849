package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/integrations/testenv"
)

// sandboxSession is `opsbot sandbox` run by a test: what it printed, and
// a pipe to type into.
type sandboxSession struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *syncBuffer
	done  chan error
	root  string // the sandbox's directory
	amURL string
	once  sync.Once
}

// TestSandboxEverythingWorks runs the built `opsbot sandbox` with piped
// input like a newcomer would type: a demo alert arrives and is silenced
// from its card (the silence is then in Alertmanager), a direct restart on
// a staging host really restarts its demo process, a restart of the web
// group becomes a change that bob requests, cannot approve himself, and
// carol approves (`as` between), and it runs on every web host. When the
// input ends, every process the sandbox started is gone, and so is its
// directory.
func TestSandboxEverythingWorks(t *testing.T) {
	for _, bin := range []struct{ pkg, name string }{
		{"redis-server", "redis-server"}, {"openssh-server", "/usr/sbin/sshd"}, {"prometheus", "prometheus"},
		{"prometheus-alertmanager", "prometheus-alertmanager"}, {"prometheus-node-exporter", "prometheus-node-exporter"},
	} {
		testenv.LookPath(t, bin.pkg, bin.name)
	}
	s := startSandbox(t)

	// The always-firing demo alert arrives as a card; Silence 1h makes a
	// silence in Alertmanager, made by the one who clicked.
	card := s.waitFor("FIRING: SandboxDemo", 0)
	s.typeLine("as alice")
	s.typeLine("click " + s.button("Silence 1h", card))
	s.waitFor(":no_bell: Silenced by @alice", card)
	var silences []struct {
		CreatedBy string `json:"createdBy"`
		Status    struct{ State string }
		Matchers  []struct{ Name, Value string }
	}
	s.getJSON(s.amURL+"/api/v2/silences", &silences)
	found := false
	for _, sl := range silences {
		for _, m := range sl.Matchers {
			found = found || m.Name == "alertname" && m.Value == "SandboxDemo" && sl.Status.State == "active" && sl.CreatedBy == "U1ALICE"
		}
	}
	if !found {
		t.Errorf("no active silence of SandboxDemo by U1ALICE in Alertmanager: %+v", silences)
	}

	// A direct restart on staging runs at once and starts a new process.
	pidFile := filepath.Join(s.root, "hosts", "state", "web-3", "app", "pid")
	before := readPid(t, pidFile)
	s.typeLine("as bob")
	at := s.waitFor("You are now bob (U2BOB).", card)
	s.typeLine("service restart app on env=staging")
	at = s.waitFor("app restart: 1/1 hosts, 0 failed · succeeded", at)
	if after := readPid(t, pidFile); after == before {
		t.Errorf("web-3's app still runs as pid %s after its restart", before)
	}

	// The web group has prod hosts: bob's restart is a change request,
	// which he, an operator, cannot approve; carol can, and it runs on
	// all three.
	s.typeLine("service restart app on web -- roll out the new config")
	request := s.waitFor("so I filed CHG-1", at)
	approve := s.button("Approve", at)
	s.typeLine("click " + approve)
	at = s.waitFor("needs the approver role and you are an operator; ask @you, @carol.", request)
	s.typeLine("as carol")
	s.typeLine("click " + approve)
	at = s.waitFor("You approved CHG-1; it ran: succeeded (3 succeeded, 0 failed", at)
	for _, h := range []string{"web-1", "web-2", "web-3"} {
		if !strings.Contains(s.out.String()[request:], ":white_check_mark: *"+h+"* exit 0") {
			t.Errorf("no output of %s in the change's thread", h)
		}
	}
	s.typeLine("service logs app on web-1")
	at = s.waitFor("web-1 app[", at)

	// The sandbox's runbook runs on the web hosts when run by hand, and
	// the summary sees the sandbox's monitoring, incidents and change.
	s.typeLine("as you")
	s.typeLine("jobs run app-status")
	at = s.waitFor("runbook app-status: 3/3 hosts, 0 failed · succeeded", at)
	s.typeLine("summary now")
	at = s.waitFor("== Daily health summary ==", at)
	for _, want := range []string{"*Targets*: ", "*Firing now*: ", "*Changes*\n*Last 24 h*: 1 done, 0 failed", "*On call*"} {
		s.waitFor(want, at)
	}

	s.stop()
	if _, err := os.Stat(s.root); !os.IsNotExist(err) {
		t.Errorf("the sandbox's directory %s is still there (%v)", s.root, err)
	}
	if left := processesMentioning(s.root); len(left) > 0 {
		t.Errorf("processes the sandbox started still run:\n%s", strings.Join(left, "\n"))
	}
}

func startSandbox(t *testing.T) *sandboxSession {
	t.Helper()
	s := &sandboxSession{t: t, out: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(opsbotBinary(t), "sandbox")
	s.cmd.Env = append(os.Environ(), "OPSBOT_CONFIG=")
	var err error
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(s.stop)
	s.waitFor("You are you (U0CONSOLE).", 0)
	out := s.out.String()
	if m := regexp.MustCompile(`in (\S+) \(removed at exit\)`).FindStringSubmatch(out); m != nil {
		s.root = m[1]
	}
	if m := regexp.MustCompile(`alertmanager\s+(http://\S+)`).FindStringSubmatch(out); m != nil {
		s.amURL = m[1]
	}
	if s.root == "" || s.amURL == "" {
		t.Fatalf("the sandbox did not say where it is and where Alertmanager is:\n%s", out)
	}
	return s
}

func (s *sandboxSession) typeLine(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatalf("type %q: %v", line, err)
	}
}

// waitFor waits until the output after offset from contains text, and
// returns the offset just past it.
func (s *sandboxSession) waitFor(text string, from int) int {
	s.t.Helper()
	at := -1
	defer func() {
		if at < 0 {
			s.t.Logf("the sandbox printed:\n%s", s.tail())
		}
	}()
	testenv.Eventually(s.t, 30*time.Second, func() bool {
		out := s.out.String()
		if i := strings.Index(out[from:], text); i >= 0 {
			at = from + i + len(text)
		}
		return at >= 0
	}, "the sandbox to print "+text)
	return at
}

func (s *sandboxSession) tail() string { return tail(s.out.String(), 60) }

// button returns the number of the last button labelled label printed
// after offset from.
func (s *sandboxSession) button(label string, from int) string {
	s.t.Helper()
	ms := regexp.MustCompile(`\[(\d+)\] `+regexp.QuoteMeta(label)+`\b`).FindAllStringSubmatch(s.out.String()[from:], -1)
	if len(ms) == 0 {
		s.t.Fatalf("no %q button after offset %d:\n%s", label, from, s.tail())
	}
	return ms[len(ms)-1][1]
}

func (s *sandboxSession) getJSON(url string, v any) {
	s.t.Helper()
	res, err := http.Get(url)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		s.t.Fatalf("decode %s: %v", url, err)
	}
}

// stop ends the input, as a piped script's end does, and waits for the
// sandbox to stop everything and exit.
func (s *sandboxSession) stop() { s.once.Do(s.stopOnce) }

func (s *sandboxSession) stopOnce() {
	_ = s.in.Close()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("opsbot sandbox: %v\n%s", err, s.tail())
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		s.t.Errorf("opsbot sandbox did not stop at the end of its input:\n%s", s.tail())
	}
}

func readPid(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the demo service's pid file: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// processesMentioning lists the live processes whose command line contains
// s, as "pid: command line".
func processesMentioning(s string) []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var found []string
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(b), s) {
			continue
		}
		found = append(found, filepath.Base(d)+": "+strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " "))
	}
	return found
}
