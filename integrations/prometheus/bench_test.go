package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"opsbot/integrations/prometheus/promtest"
)

// BenchmarkQuery measures what the client adds to a query beyond
// Prometheus' own work. For each query:
//
//   - real/raw-http: a bare POST of /api/v1/query (as client_golang sends
//     it) with the body discarded, the floor set by Prometheus and loopback
//     HTTP;
//   - real/client: Client.Query against the same Prometheus; its time minus
//     raw-http's is the client's decoding and conversion;
//   - replay/client: Client.Query against an httptest server replaying the
//     captured answer, so Prometheus' evaluation is out of the picture.
//
// The client benchmarks also report cpu-ms/op, the CPU time of this process
// (client, its GC, and for replay the replaying server) per query. Prometheus
// runs in its own process, so for real/client that is the client's own
// cost, and it stays meaningful on a busy machine where wall time does not.
//
// Run: go test -run '^$' -bench BenchmarkQuery -benchmem ./integrations/prometheus/
func BenchmarkQuery(b *testing.B) {
	hosts := make([]string, 20)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("node-%02d", i)
	}
	s := promtest.Start(b, promtest.WithHosts(hosts...))
	ctx := context.Background()
	if err := s.WaitForSamples(ctx, `count(up == 1) == 20`); err != nil {
		b.Fatal(err)
	}
	c := newClient(b, Config{URL: s.URL})
	raw := &http.Client{Transport: &http.Transport{}}
	b.Cleanup(raw.CloseIdleConnections)

	for _, q := range []struct{ name, promql string }{
		{"up-20-series", `up`},
		{"node-300-series", `{__name__=~"node_.+"}`},
	} {
		body := get(b, raw, s.URL+"/api/v1/query?"+url.Values{"query": {q.promql}}.Encode())
		res, _, err := c.Query(ctx, q.promql, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %d samples, %d bytes", q.name, len(res.Samples), len(body))

		b.Run(q.name+"/real/raw-http", func(b *testing.B) {
			form := url.Values{"query": {q.promql}, "timeout": {"30s"}}
			for b.Loop() {
				resp, err := raw.PostForm(s.URL+"/api/v1/query", form)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
		b.Run(q.name+"/real/client", func(b *testing.B) {
			cpu := startCPU()
			for b.Loop() {
				if _, _, err := c.Query(ctx, q.promql, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
		b.Run(q.name+"/replay/client", func(b *testing.B) {
			replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			}))
			defer replay.Close()
			rc := newClient(b, Config{URL: replay.URL})
			cpu := startCPU()
			for b.Loop() {
				if _, _, err := rc.Query(ctx, q.promql, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

func get(tb testing.TB, c *http.Client, u string) []byte {
	resp, err := c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return body
}

// cpuClock measures this process' CPU time (user and system) over a loop.
type cpuClock struct{ start time.Duration }

func startCPU() cpuClock { return cpuClock{start: processCPU()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
