package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/config"
	"opsbot/bot/golden"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/testenv"
	"opsbot/internal/testkit"
)

// TestConsoleTranscripts feeds each script under testdata/console to
// `opsbot console` and compares what it prints, with dates and times
// replaced by placeholders. A script whose first line is `# args: ...`
// runs with those extra flags (e.g. -as U1ALICE). Update with:
// go test ./cmd/opsbot -run TestConsoleTranscripts -update
func TestConsoleTranscripts(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/console/*.txt")
	if len(scripts) == 0 {
		t.Fatal("no console scripts")
	}
	for _, s := range scripts {
		t.Run(filepath.Base(s), func(t *testing.T) {
			script, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"console", "-as", "U0CONSOLE"}
			first, _, _ := strings.Cut(string(script), "\n")
			if extra, ok := strings.CutPrefix(first, "# args:"); ok {
				args = append(args, strings.Fields(extra)...)
			}
			var out, errOut bytes.Buffer
			m := NewMain(bytes.NewReader(script), &out, &errOut)
			t.Setenv("OPSBOT_CONFIG", "")
			if err := m.ParseFlags(args); err != nil {
				t.Fatal(err)
			}
			m.ConfigPath = "testdata/console/absent.yaml" // does not exist: demo settings
			if err := m.Run(t.Context()); err != nil {
				t.Fatalf("console: %v\nstderr: %s", err, errOut.String())
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, strings.TrimSuffix(s, ".txt")[len("testdata/"):]+".golden", scrubTimes(out.Bytes()))
		})
	}
}

var (
	dateTime = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d( [A-Z]{3,5}\b)?`)
	duration = regexp.MustCompile(`\b(after|opened) \d+[smhd]\b`)
)

// scrubTimes replaces what depends on the clock: dates with times, and
// short durations such as "after 0s".
func scrubTimes(b []byte) []byte {
	b = dateTime.ReplaceAll(b, []byte("<date time>"))
	return duration.ReplaceAll(b, []byte("$1 <duration>"))
}

func TestConsoleLongLineAndEOF(t *testing.T) {
	in := strings.NewReader("ping\n" + strings.Repeat("x", 20000) + "\nping\n")
	var out bytes.Buffer
	m := NewMain(in, &out, &bytes.Buffer{})
	if err := m.ParseFlags([]string{"console"}); err != nil {
		t.Fatal(err)
	}
	m.ConfigPath = filepath.Join(t.TempDir(), "absent.yaml")
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The long line is refused; the session goes on to the next ping.
	if !strings.Contains(out.String(), "That line is longer than 16384 bytes; it was not run.") || strings.Count(out.String(), "pong") != 2 {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestConsoleRedisChoice: the console uses the configured Redis when it
// answers, and an embedded one when it does not, and says which.
func TestConsoleRedisChoice(t *testing.T) {
	srv := redistest.Start(t)
	port, err := testenv.FreePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	down := fmt.Sprintf("127.0.0.1:%d", port)
	for _, tc := range []struct {
		addr string
		says []string
	}{
		{srv.Addr, []string{"state in Redis at [" + srv.Addr + "]"}},
		{down, []string{"Redis at [" + down + "] does not answer", "using an embedded Redis instead", "state in an embedded in-memory Redis"}},
	} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		cfg := fmt.Sprintf("redis: {addrs: [%q], key_prefix: consoletest}\nrbac: {users: {U0CONSOLE: admin}}\n", tc.addr)
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		m := NewMain(strings.NewReader("ping\n"), &out, &errOut)
		if err := m.ParseFlags([]string{"console", "-config", path}); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(t.Context()); err != nil {
			t.Fatalf("console with Redis at %s: %v\n%s", tc.addr, err, errOut.String())
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		for _, s := range tc.says {
			if !strings.Contains(out.String(), s) {
				t.Errorf("with Redis at %s the console does not say %q:\n%s", tc.addr, s, out.String())
			}
		}
		if !strings.Contains(out.String(), "pong") {
			t.Errorf("with Redis at %s, no pong:\n%s", tc.addr, out.String())
		}
	}
	// The ping was audited in the real Redis, and only once: the second
	// console kept its state elsewhere.
	n, err := srv.Client(t).XLen(context.Background(), "consoletest:audit").Result()
	if err != nil || n != 1 {
		t.Errorf("audit entries in the configured Redis = %d, %v; want 1", n, err)
	}
}

// TestConsoleMetrics runs `opsbot console -http`, sends a command, and
// reads /metrics: the command counted by verb and outcome and timed, and
// the Go and process collectors there.
func TestConsoleMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := "http: {listen: \"127.0.0.1:0\"}\nrbac: {users: {U0CONSOLE: admin}}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	in, typed := io.Pipe()
	out := &syncBuffer{}
	m := NewMain(in, out, io.Discard)
	if err := m.ParseFlags([]string{"console", "-http", "-config", path}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(t.Context()) }()
	defer func() {
		_ = typed.Close() // EOF ends the session
		if err := <-done; err != nil {
			t.Error(err)
		}
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := io.WriteString(typed, "ping\npnig\n"); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, "Did you mean")
	addr := regexp.MustCompile(`metrics and health on http://(\S+)`).FindStringSubmatch(out.String())
	if addr == nil {
		t.Fatalf("no metrics address in:\n%s", out.String())
	}
	res, err := http.Get("http://" + addr[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	for _, want := range []string{
		`opsbot_commands_total{outcome="ok",verb="ping"} 1`,
		`opsbot_commands_total{outcome="invalid",verb="unknown"} 1`,
		`opsbot_command_duration_seconds_count{verb="ping"} 1`,
		`opsbot_command_duration_seconds_bucket{verb="ping",le="+Inf"} 1`,
		"\ngo_goroutines ",
		"\ngo_memstats_heap_alloc_bytes ",
		"\nprocess_resident_memory_bytes ",
		"\nprocess_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// waitOutput waits until out contains s, failing after a generous while.
func waitOutput(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	defer func() {
		if !strings.Contains(out.String(), s) {
			t.Logf("output:\n%s", out.String())
		}
	}()
	testenv.Eventually(t, 10*time.Second, func() bool { return strings.Contains(out.String(), s) }, fmt.Sprintf("%q in the output", s))
}

// demoApp builds the app with the demo settings on a real redis-server,
// allowing perMinute commands per user (0: no limit).
func demoApp(t testing.TB, perMinute int) *App {
	t.Helper()
	cfg, doc := demo(config.NewLoader())
	cfg.Limits.CommandsPerMinute = &perMinute
	a, err := newApp(cfg, doc, newTestStore(t), nil, Surface{Chat: testkit.NewChat()}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRBACEveryVerb runs every registered verb as a user of every role:
// exactly the users below the verb's role are refused.
func TestRBACEveryVerb(t *testing.T) {
	a := demoApp(t, 0)
	users := map[bot.Role]string{bot.RoleViewer: "UNOBODY", bot.RoleResponder: "U1ALICE", bot.RoleOperator: "U2BOB", bot.RoleApprover: "U3CAROL", bot.RoleAdmin: "U0CONSOLE"}
	cmds := a.Router.Commands()
	if len(cmds) < 4 {
		t.Fatalf("only %d commands registered", len(cmds))
	}
	for _, c := range cmds {
		for _, role := range bot.Roles() {
			_, err := a.Router.Dispatch(context.Background(), &bot.Request{UserID: users[role], Channel: "C1", Text: c.Verb, Trigger: bot.TriggerConsole})
			denied := bot.ErrorCode(err) == bot.CodeForbidden
			if denied != (role < c.Role) {
				t.Errorf("%q as %s: denied=%v (err %v), command needs %s", c.Verb, role, denied, err, c.Role)
			}
		}
	}
}

// TestRedisDownIsSaidPlainly: with the store gone, a command that needs it
// says so, and the process keeps answering.
func TestRedisDownIsSaidPlainly(t *testing.T) {
	srv := redistest.Start(t)
	store, err := redisstore.Open(redisstore.Config{Addrs: []string{srv.Addr}, DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfg, doc := demo(config.NewLoader())
	a, err := newApp(cfg, doc, store, nil, Surface{Chat: testkit.NewChat()}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	for _, text := range []string{"incident list", "audit 3"} {
		start := time.Now()
		_, err := a.Router.Dispatch(context.Background(), &bot.Request{UserID: "U0CONSOLE", Channel: "C1", Text: text})
		t.Logf("%s with Redis down answered in %v", text, time.Since(start).Round(time.Millisecond))
		if bot.ErrorCode(err) != bot.CodeUnavailable || !strings.Contains(bot.UserMessage(err), "unavailable, try again") {
			t.Errorf("%s with Redis down: %v (%q)", text, err, bot.UserMessage(err))
		}
	}
	rep, err := a.Router.Dispatch(context.Background(), &bot.Request{UserID: "U0CONSOLE", Channel: "C1", Text: "ping"})
	if err != nil || !strings.Contains(rep.Text, "pong") {
		t.Errorf("ping with Redis down = %v, %v", rep, err)
	}
}

// TestConsoleHTTPDefaultIsNotPrometheusPort: `console -http` with no
// http.listen configured serves on a free port and says which, not on
// 127.0.0.1:9090 (`opsbot run`'s default, and where the demo settings
// look for Prometheus).
func TestConsoleHTTPDefaultIsNotPrometheusPort(t *testing.T) {
	var out bytes.Buffer
	m := NewMain(strings.NewReader("ping\n"), &out, io.Discard)
	t.Setenv("OPSBOT_CONFIG", "")
	if err := m.ParseFlags([]string{"console", "-http"}); err != nil {
		t.Fatal(err)
	}
	m.ConfigPath = filepath.Join(t.TempDir(), "absent.yaml") // the demo settings
	err := m.Run(t.Context())
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("console -http: %v\n%s", err, out.String())
	}
	addr := regexp.MustCompile(`metrics and health on http://127\.0\.0\.1:(\d+)`).FindStringSubmatch(out.String())
	if addr == nil || addr[1] == "9090" || addr[1] == "0" {
		t.Errorf("console -http serves on %v, want a free port other than 9090:\n%s", addr, out.String())
	}
}
