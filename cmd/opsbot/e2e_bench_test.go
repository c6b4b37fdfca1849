package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"opsbot/internal/slackemu"
)

const noLimit = "limits:\n  commands_per_minute: 0\n"

// BenchmarkSlackRoundTrip measures, through the local Slack on loopback
// with a real redis-server and the built binary: the ack latency Slack
// sees (envelope written → ack read) and the command → reply latency
// (envelope written → reply posted to the response_url), p50 and p99.
//
//	go test ./cmd/opsbot -run '^$' -bench SlackRoundTrip -benchtime 2000x
func BenchmarkSlackRoundTrip(b *testing.B) {
	for _, tc := range []struct{ name, user, text, want string }{
		{"ping", "U2", "ping", "pong"},
		{"redis-read", "U1", "audit 1", "udit trail"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := startE2E(b, noLimit)
			ctx := context.Background()
			replies := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				seq := e.slack.MessageSeq()
				start := time.Now()
				if _, err := e.slack.SlashCommand(tc.user, "C1", "/ops", tc.text); err != nil {
					b.Fatal(err)
				}
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := e.slack.WaitForMessageAfter(wctx, seq, func(m slackemu.Message) bool { return strings.Contains(m.Text, tc.want) })
				cancel()
				if err != nil {
					b.Fatalf("reply %d: %v", i, err)
				}
				replies = append(replies, time.Since(start))
			}
			b.StopTimer()
			var acks []time.Duration
			for _, a := range e.slack.Acks() {
				acks = append(acks, a.Latency)
			}
			report(b, "ack", acks)
			report(b, "reply", replies)
		})
	}
}

func report(b *testing.B, name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	q := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), name+"-p50-ms")
	b.ReportMetric(q(0.99), name+"-p99-ms")
}

// BenchmarkStartToConnected measures the time from starting `opsbot run`
// to its Socket Mode connection being open (median), and the resident
// memory of the connected, idle process (median): in all, and split into
// anonymous memory (heap, stacks) and file pages (mostly the binary).
//
//	go test ./cmd/opsbot -run '^$' -bench StartToConnected -benchtime 10x
func BenchmarkStartToConnected(b *testing.B) {
	var starts, rss, anon, file []float64
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e := startE2E(b, "")
		starts = append(starts, float64(time.Since(start).Microseconds())/1000)
		time.Sleep(2 * time.Second) // idle, so RSS is the steady state
		if m, err := memKB(e.cmd.Process.Pid); err == nil {
			rss = append(rss, float64(m["VmRSS"])/1024)
			anon = append(anon, float64(m["RssAnon"])/1024)
			file = append(file, float64(m["RssFile"])/1024)
		}
		e.stop(b)
	}
	median := func(v []float64) float64 {
		sort.Float64s(v)
		return v[len(v)/2]
	}
	b.ReportMetric(median(starts), "start-ms")
	if len(rss) > 0 {
		b.ReportMetric(median(rss), "idle-rss-MB")
		b.ReportMetric(median(anon), "idle-anon-MB")
		b.ReportMetric(median(file), "idle-file-MB")
	}
}

// memKB reads the memory lines (in kB) of /proc/<pid>/status.
func memKB(pid int) (map[string]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(v, " kB"))); err == nil {
			out[k] = n
		}
	}
	if _, ok := out["VmRSS"]; !ok {
		return nil, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return out, nil
}

// TestE2EThousandCommandsAcrossReconnects sends 1,000 commands and cuts the
// connection every 50 (alternately a refresh_requested disconnect and an
// abrupt drop): every command is answered exactly once.
func TestE2EThousandCommandsAcrossReconnects(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 1,000 commands")
	}
	const n, every = 1000, 50
	port := freePort(t)
	e := startE2E(t, noLimit, slackemu.WithRedeliveryDelay(500*time.Millisecond), withHTTPPort(port))
	for i := 0; i < n; i++ {
		if i > 0 && i%every == 0 {
			before := e.slack.ConnectCount()
			if (i/every)%2 == 0 {
				e.slack.DropConnections()
			} else {
				e.slack.Disconnect("refresh_requested")
			}
			// Go on sending while opsbot reconnects (those envelopes queue,
			// as at Slack), but make sure each cut really forced one.
			if _, err := e.slack.SlashCommand("U2", "C1", "/ops", fmt.Sprintf("probe-%d", i)); err != nil {
				t.Fatal(err)
			}
			waitReconnect(t, e, before)
			continue
		}
		if _, err := e.slack.SlashCommand("U2", "C1", "/ops", fmt.Sprintf("probe-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (lost, dup int) {
		counts := make([]int, n)
		for _, p := range e.slack.ResponsePosts() {
			body := string(p.Body)
			if j := strings.Index(body, `command \"probe-`); j >= 0 {
				rest := body[j+len(`command \"probe-`):]
				k, err := strconv.Atoi(rest[:strings.IndexByte(rest, '\\')])
				if err == nil && k < n {
					counts[k]++
				}
			}
		}
		for _, c := range counts {
			if c == 0 {
				lost++
			}
			if c > 1 {
				dup++
			}
		}
		return lost, dup
	}
	fail := func(lost, dup int) {
		t.Fatalf("%d of %d commands lost, %d answered more than once; %d acks, %d envelopes, %d response posts\n%s", lost, n, dup, len(e.slack.Acks()), len(e.slack.Envelopes()), len(e.slack.ResponsePosts()), tail(e.logs.String(), 20))
	}
	lost := 0
	defer func() {
		if lost > 0 {
			t.Logf("%d of %d commands unanswered", lost, n)
		}
	}()
	eventuallyWithin(t, e, 60*time.Second, "every command answered", func() bool {
		l, dup := count()
		if dup > 0 {
			fail(l, dup)
		}
		lost = l
		return lost == 0
	})
	// Everything arrived; a duplicate would come from a redelivery still
	// on its way. Wait until Slack has nothing left to redeliver (every
	// envelope acked, or given up on after its retries), give the last
	// handlers a grace period, and count again.
	eventually(t, e, "every envelope acked or given up on", func() bool {
		acked := map[string]bool{}
		for _, a := range e.slack.Acks() {
			acked[a.FirstID] = true
		}
		for _, env := range e.slack.Envelopes() {
			if !acked[env.FirstID] && env.RetryAttempt < 3 {
				return false
			}
		}
		return true
	})
	time.Sleep(3 * time.Second)
	if lost, dup := count(); lost != 0 || dup != 0 {
		fail(lost, dup)
	}
	// opsbot's own count: each command handled once, the rest dropped.
	if got := metric(t, port, `opsbot_socket_envelopes_total{result="handled",type="slash_commands"}`); got != n {
		t.Errorf("opsbot handled %v slash commands, want %d", got, n)
	}
	t.Logf("%d commands, %d connection cuts: 0 lost, 0 duplicated (%d connections opened, %v redeliveries dropped)", n, n/every-1,
		e.slack.ConnectCount(), metric(t, port, `opsbot_socket_envelopes_total{result="duplicate",type="slash_commands"}`))
}

func waitReconnect(t *testing.T, e *e2e, before int) {
	t.Helper()
	eventuallyWithin(t, e, 20*time.Second, "opsbot to reconnect", func() bool { return e.slack.ConnectCount() != before })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.slack.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
}
