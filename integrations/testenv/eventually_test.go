package testenv_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"opsbot/integrations/testenv"
)

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	var calls atomic.Int32
	testenv.Eventually(t, 10*time.Second, func() bool { return calls.Add(1) == 3 }, "the third call")
	if n := calls.Load(); n != 3 {
		t.Errorf("cond called %d times, want 3 (stop at the first true)", n)
	}
}

// recorder is a testing.TB that records Fatalf instead of failing the test.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit() // as testing.T's Fatalf does

}

func TestEventuallyFailsNamingWhatItWaitedFor(t *testing.T) {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		testenv.Eventually(r, 20*time.Millisecond, func() bool { return false }, "the impossible")
	}()
	<-done
	if !strings.Contains(r.msg, "the impossible") {
		t.Errorf("failure %q does not name what it waited for", r.msg)
	}
}
