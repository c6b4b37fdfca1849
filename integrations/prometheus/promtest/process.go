package promtest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// scrapeConfig is what the generated prometheus.yml describes.
type scrapeConfig struct {
	exporterAddr string   // the fake exporter, host:port
	downAddr     string   // a closed port, host:port
	hosts        []string // fake hosts served by the exporter
	down         []string // fake hosts whose target is down
	rules        string   // rule file content, may be empty
}

// write puts prometheus.yml (and rules.yml when there are rules) into dir
// and returns the config file's path.
func (c scrapeConfig) write(dir string) (string, error) {
	type staticConfig struct {
		Targets []string          `yaml:"targets"`
		Labels  map[string]string `yaml:"labels"`
	}
	var statics []staticConfig
	add := func(addr, host string) {
		statics = append(statics, staticConfig{
			Targets: []string{addr},
			// instance names the fake host; __param_host becomes the
			// ?host= query parameter that picks its metrics.
			Labels: map[string]string{"instance": host + ":9100", "__param_host": host},
		})
	}
	for _, h := range c.hosts {
		add(c.exporterAddr, h)
	}
	for _, h := range c.down {
		add(c.downAddr, h)
	}
	cfg := map[string]any{
		"global": map[string]any{
			"scrape_interval":     "1s",
			"scrape_timeout":      "1s",
			"evaluation_interval": "1s",
		},
		"scrape_configs": []any{map[string]any{
			"job_name":       "node",
			"metrics_path":   "/metrics",
			"static_configs": statics,
		}},
	}
	if c.rules != "" {
		rules := filepath.Join(dir, "rules.yml")
		if err := os.WriteFile(rules, []byte(c.rules), 0o600); err != nil {
			return "", err
		}
		cfg["rule_files"] = []string{rules}
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "prometheus.yml")
	return path, os.WriteFile(path, b, 0o600)
}

// process is a running prometheus binary.
type process struct {
	url  string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{} // closed when the process has exited
}

// startProcess runs prometheus on a free loopback port, retrying with
// another port if the chosen one was taken meanwhile, and registers its stop
// with tb.Cleanup.
func startProcess(tb testing.TB, bin, dir string, cfg scrapeConfig) *process {
	tb.Helper()
	cfgPath, err := cfg.write(dir)
	if err != nil {
		tb.Fatalf("promtest: write prometheus config: %v", err)
	}
	var lastLogs string
	for attempt := range 3 {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("promtest: find a free port: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p := &process{url: "http://" + addr, out: &tailBuffer{limit: 64 << 10}, done: make(chan struct{})}
		p.cmd = exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+filepath.Join(dir, "data-"+strconv.Itoa(attempt)),
			"--web.listen-address="+addr,
		)
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
		if err := p.cmd.Start(); err != nil {
			tb.Fatalf("promtest: start %s: %v", bin, err)
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
	tb.Fatalf("promtest: prometheus did not become ready; its log:\n%s", lastLogs)
	return nil
}

// waitReady polls /-/ready until Prometheus answers 200, the process exits,
// or limit passes.
func (p *process) waitReady(limit time.Duration) bool {
	client := &http.Client{Transport: &http.Transport{}, Timeout: time.Second}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
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

// stop asks Prometheus to shut down, kills it if it takes longer than ten
// seconds, and waits for it to exit.
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
