package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDelayDoublesUpToTheCap(t *testing.T) {
	p := Policy{First: 250 * time.Millisecond, Max: 2 * time.Second}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := (Policy{First: time.Second}).Delay(4); got != 8*time.Second {
		t.Errorf("uncapped Delay(4) = %v", got)
	}
	if got := p.Delay(1000); got != 2*time.Second {
		t.Errorf("Delay(1000) = %v (no overflow past the cap)", got)
	}
}

func TestRetry(t *testing.T) {
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	p := Policy{First: time.Second, Max: 4 * time.Second}
	calls := 0
	err := Retry(context.Background(), p, 0, sleep, func(context.Context) (bool, error) {
		calls++
		if calls < 5 {
			return true, errors.New("not yet")
		}
		return false, nil
	})
	if err != nil || calls != 5 {
		t.Fatalf("Retry = %v after %d calls", err, calls)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}; len(waits) != 4 || waits[3] != want[3] || waits[1] != want[1] {
		t.Errorf("waits = %v, want %v", waits, want)
	}

	calls, waits = 0, nil
	err = Retry(context.Background(), p, 3, sleep, func(context.Context) (bool, error) { calls++; return true, errors.New("down") })
	if err == nil || calls != 3 || len(waits) != 2 {
		t.Errorf("bounded Retry = %v after %d calls, %d waits; want the error after 3 calls", err, calls, len(waits))
	}

	calls = 0
	err = Retry(context.Background(), p, 0, sleep, func(context.Context) (bool, error) { calls++; return false, errors.New("refused") })
	if err == nil || calls != 1 {
		t.Errorf("a final error was retried: %d calls", calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	err = Retry(ctx, p, 0, nil, func(context.Context) (bool, error) { calls++; return true, errors.New("down") })
	if err == nil || calls != 1 {
		t.Errorf("Retry went on after its context ended: %d calls, %v", calls, err)
	}
}
