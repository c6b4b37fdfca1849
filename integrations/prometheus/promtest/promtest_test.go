package promtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestServerScrapesFakeHosts(t *testing.T) {
	s := Start(t, WithHosts("web-1", "db-1"), WithDownTargets("gone-1"))
	s.Host("db-1").SetMemory(123456, 654321)
	s.Host("web-1").SetCPUBusy(0.5)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, q := range []string{
		`up{job="node",instance=~"web-1.*"} == 1`,
		`up{instance="db-1:9100"} == 1`,
		`up{instance="gone-1:9100"} == 0`,
		`node_memory_MemAvailable_bytes{instance="db-1:9100"} == 123456`,
		`node_filesystem_avail_bytes{instance="web-1:9100",mountpoint="/",fstype="ext4"}`,
		`node_load1{instance="web-1:9100"}`,
		`rate(node_cpu_seconds_total{instance="web-1:9100",mode="user"}[5s]) > 0.3`,
	} {
		if err := s.WaitForSamples(ctx, q); err != nil {
			t.Fatalf("%v\nprometheus log:\n%s", err, s.Logs())
		}
	}
}

func TestWaitForSamplesErrors(t *testing.T) {
	s := Start(t, WithHosts("web-1"))
	tests := []struct {
		name, query string
		timeout     time.Duration
		want        string
	}{
		{"rejected query returns at once", "foo bar", time.Minute, "parse error"},
		{"no data until the context ends", `up{instance="nowhere"}`, 300 * time.Millisecond, "no samples yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			err := s.WaitForSamples(ctx, tt.query)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
