package amtest

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is a running prometheus-alertmanager.
type process struct {
	url  string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{} // closed when the process has exited
}

// startProcess runs Alertmanager with cfgPath on a free loopback port,
// retrying with another port if the chosen one was taken meanwhile, and
// registers its stop with tb.Cleanup.
func startProcess(tb testing.TB, bin, cfgPath, dir string) *process {
	tb.Helper()
	var lastLogs string
	for attempt := range 3 {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("amtest: find a free port: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p := &process{url: "http://" + addr, out: &tailBuffer{limit: 64 << 10}, done: make(chan struct{})}
		p.cmd = exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.path="+filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address="+addr,
			"--web.external-url="+p.url,
			"--cluster.listen-address=", // no gossip, no port 9094
		)
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
		if err := p.cmd.Start(); err != nil {
			tb.Fatalf("amtest: start %s: %v", bin, err)
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		if p.waitReady(30 * time.Second) {
			tb.Cleanup(p.stop)
			return p
		}
		p.stop()
		lastLogs = p.out.String()
		if !strings.Contains(lastLogs, "address already in use") {
			break
		}
	}
	tb.Fatalf("amtest: alertmanager did not become ready; its log:\n%s", lastLogs)
	return nil
}

// waitReady polls /-/ready until Alertmanager answers 200, the process
// exits, or limit passes.
func (p *process) waitReady(limit time.Duration) bool {
	client := &http.Client{Transport: &http.Transport{}, Timeout: time.Second}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/-/ready", nil)
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

// stop asks Alertmanager to shut down, kills it if it takes longer than
// ten seconds, and waits for it to exit.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(10 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

func freePort() (int, error) {
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
