package redistest

import (
	"net"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/testenv"
)

// TestExitAtStartIsNoticed: a redis-server that exits at once (here, on a
// bad option) ends the wait with its output, rather than being pinged
// until the limit (an hour here, so a missed exit hangs the test).
func TestExitAtStartIsNoticed(t *testing.T) {
	bin := testenv.LookPath(t, "redis-server", "redis-server")
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s, err := launch(bin, port, "--no-such-option", "1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	if s.waitReady(time.Hour) {
		t.Fatal("a server started with a bad option answered")
	}
	if s.err == nil || !strings.Contains(s.out.String(), "no-such-option") {
		t.Errorf("exit %v, output %q: want a failed exit that names the bad option", s.err, s.out.String())
	}
}

func TestStartAnswers(t *testing.T) {
	s := Start(t)
	c := s.Client(t)
	if err := c.Ping(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if err := c.Ping(t.Context()).Err(); err == nil {
		t.Error("Ping after Kill succeeded")
	}
}

// TestNewAndClose: a server from New answers until Close, and not after.
func TestNewAndClose(t *testing.T) {
	testenv.LookPath(t, "redis-server", "redis-server")
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !s.waitReady(time.Second) {
		t.Fatal("the server from New does not answer")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	default:
		t.Error("redis-server still runs after Close")
	}
	_ = s.Close() // a second Close is harmless
}

// A restarted server is the one Kill (and the test's cleanup) stops.
func TestKillAfterRestartStopsTheNewProcess(t *testing.T) {
	s := Start(t)
	s.Kill()
	s.Restart(t)
	s.Kill()
	if conn, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
		conn.Close()
		t.Fatal("the restarted redis-server still answers after Kill")
	}
}
