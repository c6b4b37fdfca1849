package bot

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Panics recovers panics in opsbot's goroutines (one per envelope, step,
// delivery worker or run), so one bad payload or nil field never takes the
// process down: it logs the panic with its stack, counts it in
// opsbot_panics_total{where}, and lets the caller tell the person
// "internal error". A nil *Panics still recovers and logs to slog.Default.
type Panics struct {
	count *prometheus.CounterVec
	log   *slog.Logger
}

// NewPanics registers opsbot_panics_total with reg.
func NewPanics(reg prometheus.Registerer, log *slog.Logger) *Panics {
	p := &Panics{log: log, count: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "opsbot_panics_total",
		Help: "Panics recovered in handlers and background work, by where they happened.",
	}, []string{"where"})}
	reg.MustRegister(p.count)
	return p
}

// Recover must be deferred directly (defer p.Recover("step", nil)). When
// the goroutine panics it logs and counts the panic, then calls after (if
// not nil) with an error describing it, e.g. to answer "internal error".
func (p *Panics) Recover(where string, after func(err error)) {
	v := recover()
	if v == nil {
		return
	}
	p.record(where, v, debug.Stack())
	if after != nil {
		// Telling the person must not panic the goroutine all over again.
		defer func() {
			if v := recover(); v != nil {
				p.record(where+".after", v, debug.Stack())
			}
		}()
		after(fmt.Errorf("panic in %s: %v", where, v))
	}
}

// Go runs f in a goroutine that recovers like Recover.
func (p *Panics) Go(where string, f func()) {
	go func() {
		defer p.Recover(where, nil)
		f()
	}()
}

func (p *Panics) record(where string, v any, stack []byte) {
	log := slog.Default()
	if p != nil && p.log != nil {
		log = p.log
	}
	log.Error("recovered from a panic; serving on", "where", where, "panic", fmt.Sprint(v), "stack", string(stack))
	if p != nil && p.count != nil {
		p.count.WithLabelValues(where).Inc()
	}
}

// Counter is the count for where; for tests and the metrics page.
func (p *Panics) Counter(where string) prometheus.Counter { return p.count.WithLabelValues(where) }
