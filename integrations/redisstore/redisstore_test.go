package redisstore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T) *redisstore.Store {
	t.Helper()
	srv := redistest.Start(t)
	s, err := redisstore.Open(redisstore.Config{Addrs: []string{srv.Addr}, KeyPrefix: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestPingAndKey(t *testing.T) {
	s := open(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.Key("incident", "42"); got != "t:incident:42" {
		t.Errorf("Key = %q", got)
	}
}

func TestOnceIsOnceUnderConcurrency(t *testing.T) {
	s := open(t)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Once(context.Background(), "env-1", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d callers won Once, want 1", wins.Load())
	}
}

func TestLock(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	l, err := s.Lock(ctx, "job", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, "job", time.Minute); !errors.Is(err, redisstore.ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	l2, err := s.Lock(ctx, "job", time.Minute)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	_ = l2.Release(ctx)
}

func TestDownRedisSaysWhat(t *testing.T) {
	srv := redistest.Start(t)
	s, err := redisstore.Open(redisstore.Config{Addrs: []string{srv.Addr}, DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Kill()
	err = s.Ping(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "ping redis:") {
		t.Fatalf("Ping on a dead server = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	errs := redisstore.Config{Addrs: []string{"localhost", "a:1"}, DB: 2, KeyPrefix: "a b"}.Validate()
	want := []string{"addrs[0]:", "db:", "key_prefix:"}
	if len(errs) != len(want) {
		t.Fatalf("Validate = %v", errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
		}
	}
	if _, err := redisstore.Open(redisstore.Config{}); err == nil {
		t.Error("Open with no address succeeded")
	}
}

func TestQuietDialLoggerDropsOnlyDialFailures(t *testing.T) {
	var out strings.Builder
	l := redisstore.QuietDialLogger{W: &out}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v", 1, errors.New("connection refused"))
	if out.Len() != 0 {
		t.Errorf("a dial failure was written: %q", out.String())
	}
	l.Printf(context.Background(), "sentinel: new master=%q addr=%q", "mymaster", "10.0.0.2:6379")
	if !strings.Contains(out.String(), ` redis: sentinel: new master="mymaster" addr="10.0.0.2:6379"`) {
		t.Errorf("other lines must pass: %q", out.String())
	}
}

// TestDownRedisFailsQuickly: with nothing listening, a command fails
// after one dial and one retry, not go-redis' default 5 dials × 4
// attempts with backoff (the time is in -v output).
func TestDownRedisFailsQuickly(t *testing.T) {
	srv := redistest.Start(t)
	s, err := redisstore.Open(redisstore.Config{Addrs: []string{srv.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Kill()
	var dials atomic.Int32
	s.Client().AddHook(dialCounter{&dials})
	start := time.Now()
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping on a dead server succeeded")
	}
	t.Logf("Ping with Redis down failed after %v", time.Since(start).Round(time.Millisecond))
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials for one command, want 2 (one, and one retry)", n)
	}
}

type dialCounter struct{ n *atomic.Int32 }

func (d dialCounter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.n.Add(1)
		return next(ctx, network, addr)
	}
}
func (dialCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (dialCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
