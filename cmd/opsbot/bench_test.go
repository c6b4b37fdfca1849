package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/internal/testkit"
)

// BenchmarkDispatch measures one command through the whole chain (metrics,
// audit write, rate limit count, RBAC, handler) against a real
// redis-server. cpu-µs/op is this process's CPU per command: opsbot's own
// work plus the Redis client's, without the server's. The rate limit is
// on, high enough never to refuse.
//
//	go test ./cmd/opsbot -run '^$' -bench Dispatch -benchtime 20000x
func BenchmarkDispatch(b *testing.B) {
	cases := []struct {
		name, text string
		noRedis    bool
	}{{"ping", "ping", false}, {"help", "help", false}, {"unknown", "pnig", false}, {"ping-without-redis", "ping", true}}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			a := demoApp(b, 1<<30)
			trips := &testkit.RoundTrips{} // first, so it counts what answerLocally answers too
			a.Store.Client().AddHook(trips)
			if tc.noRedis {
				// Answer every Redis command in process, so what remains is
				// opsbot's own CPU beyond the round trips.
				a.Store.Client().AddHook(answerLocally{})
			}
			ctx := context.Background()
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := &bot.Request{UserID: "U1ALICE", Channel: "C1", Text: tc.text, Trigger: bot.TriggerSlash}
				_, _ = a.Router.Dispatch(ctx, req)
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(trips.Count())/float64(b.N), "redis-trips/op")
			if !tc.noRedis {
				if keys, err := a.Store.Client().Keys(ctx, a.Store.Key("ratelimit", "*")).Result(); err != nil || len(keys) == 0 {
					b.Fatalf("the rate limit counted nothing: keys %v, %v", keys, err)
				}
			}
		})
	}
}

// BenchmarkConsoleIdleRSS builds opsbot, starts `opsbot console` with the
// demo settings and stdin held open, waits for its start banner and two
// idle seconds, and reads that process's resident memory from
// /proc/<pid>/status: idle-rss-MB (VmRSS) is anon-MB (heap, stacks) plus
// file-MB (pages of the binary itself, shared and reclaimable).
//
//	go test ./cmd/opsbot -run '^$' -bench ConsoleIdleRSS -benchtime 5x
func BenchmarkConsoleIdleRSS(b *testing.B) {
	bin := opsbotBinary(b)
	var rss, anon, file []float64
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "console")
		cmd.Dir = b.TempDir() // no config.yaml: the built-in demo settings
		cmd.Env = append(os.Environ(), "OPSBOT_CONFIG=")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := waitForLine(stdout, "Type `help`"); err != nil {
			b.Fatalf("console start: %v", err)
		}
		time.Sleep(2 * time.Second) // idle, so the figure is the steady state
		rss = append(rss, statusMB(b, cmd.Process.Pid, "VmRSS"))
		anon = append(anon, statusMB(b, cmd.Process.Pid, "RssAnon"))
		file = append(file, statusMB(b, cmd.Process.Pid, "RssFile"))
		_ = stdin.Close() // EOF ends the session
		if err := cmd.Wait(); err != nil {
			b.Fatalf("console exit: %v", err)
		}
	}
	for _, m := range []struct {
		unit string
		v    []float64
	}{{"idle-rss-MB", rss}, {"anon-MB", anon}, {"file-MB", file}} {
		sort.Float64s(m.v)
		b.ReportMetric(m.v[len(m.v)/2], m.unit)
	}
}

// waitForLine reads r until a line containing s.
func waitForLine(r io.Reader, s string) error {
	lines := bufio.NewScanner(r)
	var seen []string
	for lines.Scan() {
		if strings.Contains(lines.Text(), s) {
			return nil
		}
		seen = append(seen, lines.Text())
	}
	return fmt.Errorf("no line with %q (read error %v) in:\n%s", s, lines.Err(), strings.Join(seen, "\n"))
}

// statusMB reads a kB field of /proc/<pid>/status, in MB.
func statusMB(tb testing.TB, pid int, field string) float64 {
	tb.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				tb.Fatalf("%s in /proc/%d/status: %v", field, pid, err)
			}
			return float64(kb) / 1024
		}
	}
	tb.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// answerLocally is a go-redis hook that answers commands without the
// network, for measuring opsbot's own cost.
type answerLocally struct{}

func (answerLocally) DialHook(next redis.DialHook) redis.DialHook { return next }

func (answerLocally) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(_ context.Context, cmd redis.Cmder) error { fake(cmd); return nil }
}

func (answerLocally) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(_ context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			fake(c)
		}
		return nil
	}
}

func fake(c redis.Cmder) {
	switch v := c.(type) {
	case *redis.IntCmd:
		v.SetVal(1)
	case *redis.StringCmd:
		v.SetVal("1-0")
	case *redis.BoolCmd:
		v.SetVal(true)
	}
}
