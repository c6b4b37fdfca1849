package testkit

import (
	"slices"
	"testing"
	"time"
)

// ReportPercentiles adds the p50 and p99 of per-operation durations to
// b's results, in microseconds (p50-µs, p99-µs); durs is sorted in place.
func ReportPercentiles(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs")
}
