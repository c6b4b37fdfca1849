package monitor

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/chart"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/prometheus/promtest"
	"opsbot/internal/testkit"
)

// hostGroups is a fixed host group table.
type hostGroups map[string][]string

func (h hostGroups) Members(g string) ([]string, bool) { m, ok := h[g]; return m, ok }

// One real Prometheus serves every subtest: it needs a few seconds before
// its first scrape.
func TestPrometheusCommands(t *testing.T) {
	prom := promtest.Start(t, promtest.WithHosts("web-1", "web-2"), promtest.WithDownTargets("db-9"))
	client, err := promapi.New(promapi.Config{URL: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	web1 := prom.Host("web-1")
	web1.SetMemory(0.5e9, 10e9) // 95% used: critical
	web1.SetLoad(3, 2, 1)       // 1.5 per CPU: warning
	web1.SetFilesystem(promtest.Filesystem{Device: "/dev/sda1", Mountpoint: "/", FSType: "ext4", AvailBytes: 80e9, SizeBytes: 100e9})
	web2 := prom.Host("web-2")
	web2.SetMemory(8e9, 10e9)
	web2.SetLoad(0.1, 0.1, 0.1)
	web2.SetFilesystem(promtest.Filesystem{Device: "/dev/sda1", Mountpoint: "/", FSType: "ext4", AvailBytes: 80e9, SizeBytes: 100e9})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := prom.WaitForSamples(ctx, `irate(node_cpu_seconds_total{mode="idle"}[1m])`); err != nil {
		t.Fatalf("no samples: %v\n%s", err, prom.Logs())
	}
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat(), Prometheus: client,
		HostGroups: hostGroups{"webs": {"web-1", "web-2"}}})

	t.Run("query shows a table", func(t *testing.T) {
		rep, err := command(t, s, "query", `node_load1`)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"2 results", `node_load1{instance="web-1:9100",job="node"}  3`, `instance="web-2:9100"`} {
			if !strings.Contains(rep.Text, want) {
				t.Errorf("reply lacks %q:\n%s", want, rep.Text)
			}
		}
	})
	t.Run("query caps rows and counts the rest", func(t *testing.T) {
		rep, err := command(t, s, "query", `label_replace(node_cpu_seconds_total, "x", "$1", "cpu", "(.*)")`)
		if err != nil {
			t.Fatal(err)
		}
		// 2 hosts × 2 CPUs × 4 modes = 16 series, below the cap: shown whole.
		if strings.Contains(rep.Text, "more series") || !strings.Contains(rep.Text, "16 results") {
			t.Errorf("reply:\n%s", rep.Text)
		}
		rep, err = command(t, s, "query", `label_replace(node_cpu_seconds_total, "x", "1", "", "") or label_replace(node_cpu_seconds_total, "x", "2", "", "")`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rep.Text, "32 results") || !strings.Contains(rep.Text, "and 12 more series not shown") || strings.Count(rep.Text, "node_cpu_seconds_total{") != 20 {
			t.Errorf("no count of what was left out:\n%s", rep.Text)
		}
	})
	t.Run("invalid PromQL shows Prometheus' error", func(t *testing.T) {
		_, err := command(t, s, "query", `sum(rate(foo[5m])`)
		if bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(bot.UserMessage(err), "parse error") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("graph returns a PNG", func(t *testing.T) {
		rep, err := command(t, s, "graph", `rate(node_cpu_seconds_total{mode="idle"}[1m]) 5m 1s`)
		if err != nil {
			t.Fatal(err)
		}
		if rep.File == nil || !bytes.HasPrefix(rep.File.Content, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("no PNG in reply %+v", rep)
		}
		if !strings.Contains(rep.Text, "over the last 5m (step 1s,") {
			t.Errorf("caption %q", rep.Text)
		}
	})
	t.Run("graph draws at most 20 series and says so", func(t *testing.T) {
		drawn := 0
		s.draw = func(o chart.Options, cs []chart.Series) ([]byte, error) {
			drawn = len(cs)
			return chart.LineChart(o, cs)
		}
		defer func() { s.draw = chart.LineChart }()
		rep, err := command(t, s, "graph", `label_replace(node_cpu_seconds_total, "x", "1", "", "") or label_replace(node_cpu_seconds_total, "x", "2", "", "") 2m 10s`)
		if err != nil {
			t.Fatal(err)
		}
		if drawn != maxGraphSeries || !strings.Contains(rep.Text, "showing 20 of 32 series; narrow the query") {
			t.Errorf("%d series drawn; caption %q", drawn, rep.Text)
		}
	})
	t.Run("an answer over the byte cap is a clear error", func(t *testing.T) {
		small, err := promapi.New(promapi.Config{URL: prom.URL, MaxResponseBytes: 4 << 10})
		if err != nil {
			t.Fatal(err)
		}
		defer small.Close()
		s.d.Prometheus = small
		defer func() { s.d.Prometheus = client }()
		for _, c := range [][2]string{{"query", `{__name__=~".+"}`}, {"graph", `{__name__=~"node_.+"} 5m 1s`}} {
			_, err := command(t, s, c[0], c[1])
			if bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(bot.UserMessage(err), "Prometheus answered more than 4 KiB; narrow the query") {
				t.Errorf("%s: %v", c[0], err)
			}
		}
	})
	t.Run("graph of nothing says so", func(t *testing.T) {
		_, err := command(t, s, "graph", `node_does_not_exist 10m`)
		if bot.ErrorCode(err) != bot.CodeNotFound {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("status marks thresholds and down hosts", func(t *testing.T) {
		rep, err := command(t, s, "status", "")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(rep.Text, "\n")
		if len(lines) != 4 || !strings.Contains(lines[0], "2 up, 1 down") {
			t.Fatalf("status:\n%s", rep.Text)
		}
		if !strings.Contains(lines[1], "*db-9* is DOWN") {
			t.Errorf("down host not first:\n%s", rep.Text)
		}
		if !strings.HasPrefix(lines[2], ":red_circle: *web-1*") || !strings.Contains(lines[2], "memory 95% :red_circle:") || !strings.Contains(lines[2], "load 1.5/CPU :warning:") {
			t.Errorf("web-1 line: %s", lines[2])
		}
		if !strings.HasPrefix(lines[3], ":white_check_mark: *web-2*") || !strings.Contains(lines[3], "disk 20%") {
			t.Errorf("web-2 line: %s", lines[3])
		}
	})
	t.Run("status of one host and a group", func(t *testing.T) {
		rep, err := command(t, s, "status", "web-2")
		if err != nil || strings.Count(rep.Text, "\n") != 1 || !strings.Contains(rep.Text, "web-2") {
			t.Errorf("status web-2: %v\n%s", err, rep.Text)
		}
		rep, err = command(t, s, "status", "webs")
		if err != nil || !strings.Contains(rep.Text, "2 up, 0 down") {
			t.Errorf("status webs: %v\n%s", err, rep.Text)
		}
		if _, err := command(t, s, "status", "nosuch"); bot.ErrorCode(err) != bot.CodeNotFound {
			t.Errorf("status nosuch: %v", err)
		}
	})
}

func TestPrometheusUnreachable(t *testing.T) {
	client, err := promapi.New(promapi.Config{URL: "http://127.0.0.1:1", BearerToken: "tok-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat(), Prometheus: client})
	for _, c := range [][2]string{{"query", "up"}, {"graph", "up"}, {"status", ""}} {
		_, err := command(t, s, c[0], c[1])
		msg := bot.UserMessage(err)
		if bot.ErrorCode(err) != bot.CodeUnavailable || !strings.Contains(msg, "http://127.0.0.1:1") || strings.Contains(msg, "tok-secret") {
			t.Errorf("%s: %q", c[0], msg)
		}
	}
}

func TestParseGraphArgs(t *testing.T) {
	tests := []struct {
		in, promql string
		rng, step  time.Duration
		ok         bool
		unit       string
	}{
		{"up", "up", time.Hour, 14 * time.Second, true, ""},
		{"node_load1 6h 5m unit=none", "node_load1", 6 * time.Hour, 5 * time.Minute, true, "none"},
		{`x{a="b c"} unit=bytes/s`, `x{a="b c"}`, time.Hour, 14 * time.Second, true, "bytes/s"},
		{"x unit=", "", 0, 0, false, ""},
		{"rate(x[5m]) 6h", "rate(x[5m])", 6 * time.Hour, 86 * time.Second, true, ""},
		{"sum by (a) (rate(x[5m])) 1d 5m", "sum by (a) (rate(x[5m]))", 24 * time.Hour, 5 * time.Minute, true, ""},
		{"up 30d 1s", "", 0, 0, false, ""},
		{"", "", 0, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := parseGraphArgs(tt.in)
			if (err == nil) != tt.ok || a.PromQL != tt.promql || a.Range != tt.rng || a.Step != tt.step || a.Unit != tt.unit {
				t.Errorf("parseGraphArgs(%q) = %+v, %v", tt.in, a, err)
			}
		})
	}
}
