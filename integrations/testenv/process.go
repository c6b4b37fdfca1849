package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a server binary started for a test on a free loopback port.
type Process struct {
	// URL is http://127.0.0.1:PORT.
	URL  string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{} // closed when the process has exited
}

// Command builds the command line for one attempt: addr is the
// 127.0.0.1:PORT to listen on, attempt counts from 0 (for fresh data
// directories).
type Command func(addr string, attempt int) *exec.Cmd

// StartServer runs the command on a free loopback port until readyPath
// answers 200, retrying with another port if the chosen one was taken
// meanwhile, and stops it (SIGTERM, then SIGKILL after 10 s) when the test
// ends.
func StartServer(tb testing.TB, name string, readyPath string, command Command) *Process {
	tb.Helper()
	p, err := Launch(name, readyPath, command)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Stop)
	return p
}

// Launch is StartServer for programs: the caller must Stop the process.
func Launch(name string, readyPath string, command Command) (*Process, error) {
	var lastLogs string
	for attempt := range 3 {
		port, err := FreePort()
		if err != nil {
			return nil, fmt.Errorf("%s: find a free port: %w", name, err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p := &Process{URL: "http://" + addr, out: &tailBuffer{limit: 64 << 10}, done: make(chan struct{})}
		p.cmd = command(addr, attempt)
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
		if err := p.cmd.Start(); err != nil {
			return nil, fmt.Errorf("%s: start: %w", name, err)
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		if p.waitReady(readyPath, 30*time.Second) {
			return p, nil
		}
		p.Stop()
		lastLogs = p.out.String()
		if !strings.Contains(lastLogs, "address already in use") {
			break
		}
	}
	return nil, fmt.Errorf("%s did not become ready; its log:\n%s", name, lastLogs)
}

// Addr is the process's host:port.
func (p *Process) Addr() string { return strings.TrimPrefix(p.URL, "http://") }

// Logs returns the last 64 KiB the process wrote.
func (p *Process) Logs() string { return p.out.String() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the process to shut down, kills it after ten seconds, and
// waits for it to exit.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(10 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *Process) waitReady(path string, limit time.Duration) bool {
	client := &http.Client{Transport: &http.Transport{}, Timeout: time.Second}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-p.done:
			return false
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last limit bytes written to it; safe for concurrent
// use, as exec writes from its own goroutine.
type tailBuffer struct {
	mu    sync.Mutex
	buf   []byte
	limit int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.limit; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
