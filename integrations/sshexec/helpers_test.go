package sshexec

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"opsbot/integrations/sshexec/sshtest"
	"opsbot/integrations/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testConfig logs in to s with its client key and known_hosts.
func testConfig(s *sshtest.Server) Config {
	return Config{
		KnownHosts:     s.KnownHostsFile(),
		KeyFile:        s.ClientKeyFile(),
		User:           s.User(),
		ConnectTimeout: 5 * time.Second,
		CommandTimeout: 30 * time.Second,
		KillGrace:      500 * time.Millisecond,
	}
}

// newTestExecutor builds an Executor for s, closed when the test ends.
func newTestExecutor(t testing.TB, cfg Config, opts ...Option) *Executor {
	t.Helper()
	e, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func hostTarget(h sshtest.Host) Target {
	return Target{Name: "host-" + h.IP, Address: h.IP, Port: h.Port}
}

// closedPort returns a loopback address:port nothing listens on.
func closedPort(t testing.TB, ip string) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return ip, port
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, limit, cond, what)
}

// readPid waits for a pid file written by a remote command.
func readPid(t testing.TB, path string) int {
	t.Helper()
	var pid int
	waitFor(t, "pid file "+path, 10*time.Second, func() bool {
		data, err := os.ReadFile(path)
		if err != nil || !bytes.HasSuffix(data, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	})
	return pid
}

// processAlive reports whether pid runs (a zombie counts as dead: in a
// container nobody may reap it).
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...; comm may hold spaces, so split after ')'.
	rest := data[bytes.LastIndexByte(data, ')')+1:]
	f := strings.Fields(string(rest))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

func processName(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(data))
}

// logBuffer collects slog output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func statFile(path string) (os.FileInfo, error) { return os.Stat(path) }

// writeKnownHosts writes lines to a known_hosts file in t.TempDir().
func writeKnownHosts(t testing.TB, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
