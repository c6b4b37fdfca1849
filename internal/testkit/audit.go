package testkit

import (
	"context"
	"strings"
	"sync"

	"opsbot/bot/audit"
)

// Audit records audit entries in memory, as *audit.Log would in Redis.
type Audit struct {
	mu      sync.Mutex
	entries []audit.Entry
}

// Record keeps e.
func (a *Audit) Record(_ context.Context, e audit.Entry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

// Entries returns what was recorded, oldest first.
func (a *Audit) Entries() []audit.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]audit.Entry(nil), a.entries...)
}

// Detail returns the details of the entries with action, one a line with
// the outcome: "CHG-1 — wrong host [ok]".
func (a *Audit) Detail(action string) string {
	var b strings.Builder
	for _, e := range a.Entries() {
		if e.Action == action {
			b.WriteString(e.Detail + " [" + e.Outcome + "]\n")
		}
	}
	return b.String()
}

// Has reports whether an entry has action and outcome.
func (a *Audit) Has(action, outcome string) bool {
	for _, e := range a.Entries() {
		if e.Action == action && e.Outcome == outcome {
			return true
		}
	}
	return false
}
