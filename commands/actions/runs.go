package actions

import (
	"context"
	"sync"
	"time"
)

// Runs keeps the runs over SSH in flight. A run belongs to opsbot, not to
// the request that started it: it goes on under Detach's context when the
// request's context ends (a click answered, a stop's drain over), and a
// stop waits for it with Close and Wait. The zero value is ready to use.
type Runs struct {
	mu       sync.Mutex
	closed   bool
	stopping chan struct{} // closed by Close
	n        int           // in flight, for the log at a stop
	wg       sync.WaitGroup
}

// Enter reports whether a run may start, counting it if so; each true must
// be followed by exactly one Done. After Close it is always false.
func (r *Runs) Enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.n++
	r.wg.Add(1)
	return true
}

// Done marks a run entered with Enter as finished.
func (r *Runs) Done() {
	r.mu.Lock()
	r.n--
	r.mu.Unlock()
	r.wg.Done()
}

// Close starts no more runs and returns how many are in flight.
func (r *Runs) Close() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.stopCh())
	}
	return r.n
}

// Stopping is closed once Close is called: whoever waits on a run for a
// person's answer stops waiting then, so the answer goes out before the
// stop's drain ends.
func (r *Runs) Stopping() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopCh()
}

func (r *Runs) stopCh() chan struct{} {
	if r.stopping == nil {
		r.stopping = make(chan struct{})
	}
	return r.stopping
}

// Wait blocks until every run entered so far is done.
func (r *Runs) Wait() { r.wg.Wait() }

// Detach is the context a run goes on in: ctx's values without its
// cancellation, bounded by timeout instead.
func Detach(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}
