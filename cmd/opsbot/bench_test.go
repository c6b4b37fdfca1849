package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
)

// BenchmarkDispatch measures one command through the whole chain (metrics,
// audit write, rate limit count, RBAC, handler) against a real
// redis-server. cpu-µs/op is this process's CPU per command: opsbot's own
// work plus the Redis client's, without the server's.
//
//	go test ./cmd/opsbot -run '^$' -bench Dispatch -benchtime 20000x
func BenchmarkDispatch(b *testing.B) {
	cases := []struct {
		name, text string
		noRedis    bool
	}{{"ping", "ping", false}, {"help", "help", false}, {"unknown", "pnig", false}, {"ping-without-redis", "ping", true}}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			a := demoApp(b)
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
		})
	}
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
