package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
