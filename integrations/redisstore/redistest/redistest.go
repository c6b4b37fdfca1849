// Package redistest starts a real redis-server on a random loopback port
// for tests, like net/http/httptest does for HTTP servers.
package redistest

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/testenv"
)

// Server is a running redis-server.
type Server struct {
	// Addr is host:port on loopback.
	Addr string
	cmd  *exec.Cmd
	out  *bytes.Buffer
}

// Start runs redis-server with nothing persisted and stops it when the
// test ends. Without redis-server the test is skipped, or fails when
// OPSBOT_INTEGRATION=require.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := testenv.LookPath(tb, "redis-server", "redis-server")
	for attempt := 0; attempt < 5; attempt++ {
		port, err := testenv.FreePort()
		if err != nil {
			tb.Fatalf("find a free port: %v", err)
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), out: &bytes.Buffer{}}
		s.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", tb.TempDir(), "--protected-mode", "no")
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		if err := s.cmd.Start(); err != nil {
			tb.Fatalf("start redis-server: %v", err)
		}
		if s.waitReady(5 * time.Second) {
			tb.Cleanup(s.stop)
			return s
		}
		s.stop()
	}
	tb.Fatalf("redis-server did not start")
	return nil
}

func (s *Server) waitReady(limit time.Duration) bool {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return true
		}
		if s.cmd.ProcessState != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (s *Server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
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
