package monitor

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/chart"
	promapi "opsbot/integrations/prometheus"
	"opsbot/internal/testkit"
)

func TestGuessUnit(t *testing.T) {
	tests := map[string]string{
		"node_memory_MemAvailable_bytes":                                             "bytes",
		`avg by (instance) (node_filesystem_avail_bytes{mountpoint="/"})`:            "bytes",
		"rate(node_network_receive_bytes_total[5m])":                                 "bytes/s",
		`sum by (mode) (irate(node_cpu_seconds_total{mode!="idle"}[1m]))`:            "",
		"http_request_duration_seconds":                                              "s",
		"histogram_quantile(0.9, sum by (le) (rate(x_duration_seconds_bucket[5m])))": "",
		"cache_hit_ratio":               "ratio",
		"rate(http_requests_total[5m])": "/s",
		"node_load1":                    "",
		`node_filesystem_avail_bytes / node_filesystem_size_bytes`:    "",
		`node_memory_MemFree_bytes{path="a/b*c"}`:                     "bytes",
		"node_memory_MemFree_bytes + on(instance) node_load1_seconds": "",
	}
	for q, want := range tests {
		if got := guessUnit(q); got != want {
			t.Errorf("guessUnit(%s) = %q, want %q", q, got, want)
		}
	}
}

// promSeries is a fake Prometheus answering every range query with one
// series of the given values.
type promSeries []float64

func (p promSeries) Query(context.Context, string, time.Time) (promapi.Result, []string, error) {
	return promapi.Result{}, nil, nil
}

func (p promSeries) QueryRange(_ context.Context, _ string, start, _ time.Time, step time.Duration) ([]promapi.Series, []string, error) {
	se := promapi.Series{Labels: map[string]string{"instance": "web-1"}}
	for i, v := range p {
		se.Points = append(se.Points, promapi.Point{T: start.Add(time.Duration(i) * step), V: v})
	}
	return []promapi.Series{se}, nil, nil
}

func (p promSeries) URL() string { return "http://prometheus.test" }

// The graph's value axis gets the unit given with unit= or read from the
// metric's name; ratios are drawn in percent.
func TestGraphUnits(t *testing.T) {
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat(), Prometheus: promSeries{0.25, 0.5}, Clock: func() time.Time { return t0 }})
	var opts chart.Options
	var values []float64
	s.draw = func(o chart.Options, cs []chart.Series) ([]byte, error) {
		opts, values = o, nil
		for _, p := range cs[0].Points {
			values = append(values, p.V)
		}
		return chart.LineChart(o, cs)
	}
	tests := []struct {
		args, unit, caption string
		values              []float64
	}{
		{"node_memory_MemAvailable_bytes", "bytes", "in bytes by the metric's name", []float64{0.25, 0.5}},
		{"rate(node_network_transmit_bytes_total[5m]) 6h", "bytes/s", "in bytes/s by the metric's name", []float64{0.25, 0.5}},
		{"cache_hit_ratio", "%", "in ratio by the metric's name", []float64{25, 50}},
		{"node_memory_MemAvailable_bytes unit=none", "", "1 series)", []float64{0.25, 0.5}},
		{"node_load1 1h 1m unit=req/s", "req/s", "1 series, in req/s)", []float64{0.25, 0.5}},
		{"node_load1", "", "1 series)", []float64{0.25, 0.5}},
	}
	for _, tt := range tests {
		rep, err := command(t, s, "graph", tt.args)
		if err != nil {
			t.Fatalf("graph %s: %v", tt.args, err)
		}
		if opts.YUnit != tt.unit || !strings.Contains(rep.Text, tt.caption) || len(values) != 2 || values[0] != tt.values[0] || values[1] != tt.values[1] {
			t.Errorf("graph %s: unit %q, values %v, caption %q; want unit %q, values %v, caption with %q", tt.args, opts.YUnit, values, rep.Text, tt.unit, tt.values, tt.caption)
		}
	}
}
