package testenv

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds, failing tb (Fatalf) with what if it
// still does not after within. It polls often at first and less often
// later (1 ms doubling to 50 ms), so a quick condition costs little wait
// and a slow one little CPU. Call it from the test's goroutine.
func Eventually(tb testing.TB, within time.Duration, cond func() bool, what string) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for tick := time.Millisecond; !cond(); tick = min(2*tick, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(tick)
	}
}
