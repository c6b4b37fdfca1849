package sshexec

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"opsbot/integrations/sshexec/sshtest"
)

// breakableConn is a client TCP connection a test can break the way a
// rebooted host does: nothing happens until the client next writes, and
// that write is answered with a reset, which closes the connection.
type breakableConn struct {
	net.Conn
	mu     sync.Mutex
	broken bool
}

var errReset = errors.New("test: connection reset by peer")

func (c *breakableConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	broken := c.broken
	c.mu.Unlock()
	if broken {
		c.Conn.Close()
		return 0, errReset
	}
	return c.Conn.Write(p)
}

func (c *breakableConn) resetOnWrite() {
	c.mu.Lock()
	c.broken = true
	c.mu.Unlock()
}

// connRecorder is a dial hook that keeps every connection it made.
type connRecorder struct {
	mu    sync.Mutex
	conns []*breakableConn
}

func (r *connRecorder) dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	bc := &breakableConn{Conn: c}
	r.mu.Lock()
	r.conns = append(r.conns, bc)
	r.mu.Unlock()
	return bc, nil
}

func (r *connRecorder) last(t *testing.T) *breakableConn {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.conns) == 0 {
		t.Fatal("no connection dialed")
	}
	return r.conns[len(r.conns)-1]
}

// noKeepalive turns probes off, so only the command path finds a dead
// connection.
func noKeepalive(cfg Config) Config {
	cfg.KeepaliveInterval = new(time.Duration(0))
	return cfg
}

// A pooled connection found dead when the session is opened is replaced
// and the command runs once, on the new connection.
func TestRunRedialsWhenSessionOpenFails(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, noKeepalive(testConfig(s)))
	var rec connRecorder
	e.dialHook = rec.dial
	host := hostTarget(s.Hosts()[0])
	if r := e.Run(context.Background(), host, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("first run: %v", r.Err)
	}
	rec.last(t).resetOnWrite()
	if st := e.Stats(); st.Open != 1 {
		t.Fatalf("open connections after breaking = %d, want the broken one still pooled", st.Open)
	}

	r := e.Run(context.Background(), host, Command{Argv: []string{"echo", "again"}})
	if r.Err != nil || r.Stdout != "again\n" {
		t.Fatalf("run on the broken connection: %q, %v", r.Stdout, r.Err)
	}
	if st := e.Stats(); st.Dials != 2 || st.Open != 1 {
		t.Errorf("stats = %+v, want 2 dials and 1 open", st)
	}
}

// A command whose connection breaks after it started fails; it is never
// run a second time.
func TestRunDoesNotRepeatStartedCommand(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, noKeepalive(testConfig(s)))
	var rec connRecorder
	e.dialHook = rec.dial
	host := hostTarget(s.Hosts()[0])
	runs := filepath.Join(s.HostDir(), "runs")
	script := `echo $$ >> "$1"; exec sleep 60`

	done := make(chan Result, 1)
	go func() {
		done <- e.Run(context.Background(), host, Command{Argv: []string{"sh", "-c", script, "sh", runs}})
	}()
	pid := readPid(t, runs)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	rec.last(t).Close() // the host is gone under the running command
	r := <-done

	if Kind(r.Err) != "session" || r.ExitStatus != -1 {
		t.Errorf("result = status %d, %v; want a session error and no exit status", r.ExitStatus, r.Err)
	}
	data, err := os.ReadFile(runs)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 1 {
		t.Errorf("the command ran %d times: %q", n, data)
	}
	if d := e.Dials(); d != 1 {
		t.Errorf("dials = %d, want 1 (no redial for a started command)", d)
	}
	if r := e.Run(context.Background(), host, Command{Argv: []string{"true"}}); r.Err != nil || e.Dials() != 2 {
		t.Errorf("next run: %v after %d dials, want success on a second connection", r.Err, e.Dials())
	}
}

// Probes keep a healthy connection: it is neither dropped nor redialed.
func TestKeepaliveKeepsHealthyConnection(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	cfg := testConfig(s)
	cfg.KeepaliveInterval = new(10 * time.Millisecond)
	e := newTestExecutor(t, cfg)
	host := hostTarget(s.Hosts()[0])
	if r := e.Run(context.Background(), host, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("first run: %v", r.Err)
	}
	waitFor(t, "three answered keepalives", 10*time.Second, func() bool { return e.pool.probes.Load() >= 3 })
	if st := e.Stats(); st.Open != 1 || st.Evictions != 0 {
		t.Errorf("stats after keepalives = %+v, want the connection kept", st)
	}
	if r := e.Run(context.Background(), host, Command{Argv: []string{"true"}}); r.Err != nil || e.Dials() != 1 {
		t.Errorf("run after keepalives: %v after %d dials, want success on the first connection", r.Err, e.Dials())
	}
}

// A connection whose peer went silent (a NAT or firewall dropped the idle
// flow) is found by a keepalive and dropped before any command needs it.
func TestKeepaliveDropsSilentConnection(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	proxy := startFreezingProxy(t, s.Addr())
	_, portStr, _ := net.SplitHostPort(proxy.l.Addr().String())
	port, _ := strconv.Atoi(portStr)

	var logs logBuffer
	cfg := testConfig(s)
	cfg.ConnectTimeout = 500 * time.Millisecond // the wait for an answer
	cfg.KeepaliveInterval = new(20 * time.Millisecond)
	cfg.KnownHosts = writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(proxy.l.Addr().String())}, s.HostKey()))
	e := newTestExecutor(t, cfg, WithLogger(logs.logger()))
	target := Target{Name: "via-proxy", Address: "127.0.0.1", Port: port}
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("first run: %v", r.Err)
	}
	proxy.freeze()
	waitFor(t, "the silent connection to be dropped", 10*time.Second, func() bool {
		st := e.Stats()
		return st.Open == 0 && st.Evictions == 1
	})
	if !strings.Contains(logs.String(), "ssh keepalive failed") {
		t.Errorf("log does not say why the connection was dropped:\n%s", logs.String())
	}
	r := e.Run(context.Background(), target, Command{Argv: []string{"echo", "again"}})
	if r.Err != nil || r.Stdout != "again\n" {
		t.Fatalf("run after the drop: %q, %v", r.Stdout, r.Err)
	}
	if st := e.Stats(); st.Dials != 2 || st.Evictions != 1 {
		t.Errorf("stats = %+v, want 2 dials and the one keepalive eviction", st)
	}
}

// A probe answered with a reset drops the connection: without probes it
// would stay pooled until a command found it dead.
func TestKeepaliveDropsBrokenConnection(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	cfg := testConfig(s)
	cfg.KeepaliveInterval = new(10 * time.Millisecond)
	e := newTestExecutor(t, cfg)
	var rec connRecorder
	e.dialHook = rec.dial
	host := hostTarget(s.Hosts()[0])
	if r := e.Run(context.Background(), host, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("first run: %v", r.Err)
	}
	rec.last(t).resetOnWrite()
	waitFor(t, "the broken connection to be dropped", 10*time.Second, func() bool { return e.Stats().Open == 0 })
	if r := e.Run(context.Background(), host, Command{Argv: []string{"true"}}); r.Err != nil || e.Dials() != 2 {
		t.Errorf("run after the drop: %v after %d dials, want success on a second connection", r.Err, e.Dials())
	}
}
