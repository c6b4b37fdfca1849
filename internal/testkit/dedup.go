package testkit

import (
	"context"
	"sync"
	"time"
)

// Deduper is an in-memory socketmode.Deduper for one process: Once
// reports true the first time it sees a key and false after. Keys never
// expire (ttl is ignored); the zero value is ready to use.
type Deduper struct {
	mu   sync.Mutex
	seen map[string]bool
}

// Once reports whether key is new, and marks it seen.
func (d *Deduper) Once(_ context.Context, key string, _ time.Duration) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen[key] {
		return false, nil
	}
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	d.seen[key] = true
	return true, nil
}
