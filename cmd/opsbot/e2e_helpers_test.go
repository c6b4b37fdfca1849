package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/slackemu"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// opsbotBinary builds cmd/opsbot once per test run.
func opsbotBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "opsbot-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "opsbot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

// e2e is the built opsbot running against a local Slack and a real Redis.
type e2e struct {
	slack *slackemu.Server
	redis *redistest.Server
	cmd   *exec.Cmd
	logs  *syncBuffer
	done  chan error
	// flags are added to `opsbot run`.
	flags []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startE2E starts Redis, the local Slack and `opsbot run`, and waits until
// opsbot is connected. extraConfig is appended to the generated config.
func startE2E(tb testing.TB, extraConfig string, opts ...any) *e2e {
	tb.Helper()
	listen := "127.0.0.1:0"
	var emuOpts []slackemu.Option
	var flags runFlags
	for _, o := range opts {
		switch v := o.(type) {
		case slackemu.Option:
			emuOpts = append(emuOpts, v)
		case httpPort:
			listen = fmt.Sprintf("127.0.0.1:%d", int(v))
		case runFlags:
			flags = append(flags, v...)
		}
	}
	e := &e2e{redis: redistest.Start(tb), slack: slackemu.New(emuOpts...), logs: &syncBuffer{}, done: make(chan error, 1), flags: flags}
	tb.Cleanup(e.slack.Close)
	cfg := fmt.Sprintf(`slack:
  app_token: %s
  bot_token: %s
  api_url: %s
  commands: [/ops, /incident]
  watchdog: 30s
redis:
  addrs: [%s]
http:
  listen: %s
rbac:
  users:
    U1: admin
    U2: responder
    U3: approver
log:
  level: debug
%s`, e.slack.AppToken(), e.slack.BotToken(), e.slack.APIURL(), e.redis.Addr, listen, extraConfig)
	e.run(tb, cfg, 1)
	return e
}

// run starts `opsbot run` with config cfg, stopped when the test ends, and
// waits until e.slack has wantConns connections.
func (e *e2e) run(tb testing.TB, cfg string, wantConns int) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "config.yaml")
	writeFile(tb, path, cfg)
	e.cmd = exec.Command(opsbotBinary(tb), append([]string{"run", "-config", path}, e.flags...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	if err := e.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { e.done <- e.cmd.Wait() }()
	tb.Cleanup(func() { e.stop(tb) })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.slack.WaitConnected(ctx, wantConns); err != nil {
		tb.Fatalf("opsbot did not connect: %v\nlogs:\n%s", err, e.logs.String())
	}
}

func (e *e2e) stop(tb testing.TB) {
	if e.cmd.ProcessState != nil {
		return
	}
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.done:
	case <-time.After(25 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
		tb.Errorf("opsbot did not stop on SIGINT\nlogs:\n%s", e.logs.String())
	}
}

// terminate sends opsbot SIGTERM and waits up to within for it to exit,
// failing t if it does not, or exits with an error. The exit stays in
// e.done for stop.
func (e *e2e) terminate(t *testing.T, within time.Duration) {
	t.Helper()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-e.done:
		e.done <- err
		if err != nil {
			t.Errorf("opsbot exited with %v after SIGTERM\n%s", err, tail(e.logs.String(), 30))
		}
	case <-time.After(within):
		t.Fatalf("opsbot did not stop on SIGTERM\n%s", tail(e.logs.String(), 30))
	}
}

// waitFor waits for an app message matching pred.
func (e *e2e) waitFor(tb testing.TB, what string, pred func(slackemu.Message) bool) slackemu.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m, err := e.slack.WaitForMessage(ctx, pred)
	if err != nil {
		tb.Fatalf("waiting for %s: %v\nopsbot logs:\n%s", what, err, tail(e.logs.String(), 40))
	}
	return m
}

func tail(s string, n int) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var _ io.Writer = (*syncBuffer)(nil)

func startRedisAddr(tb testing.TB) string { return redistest.Start(tb).Addr }

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func runBinary(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}

// httpPort makes startE2E serve opsbot's HTTP endpoints on a known port.
type httpPort int

func withHTTPPort(p int) httpPort { return httpPort(p) }

// runFlags are extra flags for `opsbot run` given to startE2E.
type runFlags []string

// current returns a message as the emulator holds it now.
func (e *e2e) current(tb testing.TB, channel, ts string) slackemu.Message {
	tb.Helper()
	m, ok := e.slack.Message(channel, ts)
	if !ok {
		tb.Fatalf("no message %s in %s", ts, channel)
	}
	return m
}
