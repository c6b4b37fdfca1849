// Package redistest starts a real redis-server on a random loopback port
// for tests, like net/http/httptest does for HTTP servers.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/testenv"
)

// Server is a running redis-server.
type Server struct {
	// Addr is host:port on loopback.
	Addr string
	// bin, port and args start it again (Restart).
	bin    string
	port   int
	args   []string
	cmd    *exec.Cmd
	out    *bytes.Buffer // read only once exited is closed
	exited chan struct{}
	err    error // how the process ended, once exited is closed

	stopOnce sync.Once
}

// Start runs redis-server with nothing persisted and stops it when the
// test ends. Without redis-server the test is skipped, or fails when
// OPSBOT_INTEGRATION=require. A server that exits at start (a port taken
// meanwhile) is retried on another port; the last one's output is shown
// if none starts.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := testenv.LookPath(tb, "redis-server", "redis-server")
	s, err := start(bin, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.stop)
	return s
}

// New is Start for programs (the sandbox): redis-server keeps its working
// files in dir, which must exist, and the caller must Close the server.
// Without redis-server the error is a *testenv.MissingError.
func New(dir string) (*Server, error) {
	bin, err := testenv.Find("redis-server", "redis-server")
	if err != nil {
		return nil, err
	}
	return start(bin, dir)
}

// Close stops the server and waits until it has exited.
func (s *Server) Close() error {
	s.stop()
	return nil
}

func start(bin, dir string) (*Server, error) {
	var failure string
	for attempt := 0; attempt < 5; attempt++ {
		port, err := testenv.FreePort()
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		s, err := launch(bin, port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--protected-mode", "no")
		if err != nil {
			return nil, err
		}
		if s.waitReady(5 * time.Second) {
			return s, nil
		}
		s.stop()
		failure = fmt.Sprintf("redis-server on %s ended (%v) with this output:\n%s", s.Addr, s.err, s.out)
	}
	return nil, fmt.Errorf("redis-server did not start in 5 attempts; the last: %s", failure)
}

// launch starts redis-server on port and notes when it exits.
func launch(bin string, port int, args ...string) (*Server, error) {
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, port: port, args: args, out: &bytes.Buffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"--port", strconv.Itoa(port)}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.exited) }()
	return s, nil
}

// waitReady pings until the server answers; false if it exits first or
// does not answer within limit.
func (s *Server) waitReady(limit time.Duration) bool {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		// Dial first: go-redis would log every refused connection.
		if conn, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			_ = conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			err = c.Ping(ctx).Err()
			cancel()
			if err == nil {
				return true
			}
		}
		select {
		case <-s.exited:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// stop kills the server and waits until it has exited.
func (s *Server) stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// Client returns a client for the server, closed when the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill stops the server abruptly, to test behaviour when Redis is down.
func (s *Server) Kill() { s.stop() }

// Restart starts a killed server again on the same address and directory,
// as Redis comes back after a crash: what was saved (SAVE) before Kill is
// loaded, and clients reconnect to the same address.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	n, err := launch(s.bin, s.port, s.args...)
	if err != nil {
		tb.Fatal(err)
	}
	if !n.waitReady(5 * time.Second) {
		n.stop()
		tb.Fatalf("redis-server did not start again on %s (%v):\n%s", s.Addr, n.err, n.out)
	}
	// The new process is the one the test's cleanup (or Kill) stops.
	s.cmd, s.out, s.exited, s.err = n.cmd, n.out, n.exited, nil
	s.stopOnce = sync.Once{}
}
