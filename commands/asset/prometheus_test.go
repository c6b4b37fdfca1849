package asset

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/prometheus/promtest"
)

// promSource is a real Prometheus as the asset commands and the
// inventory's targets source see it (cmd/opsbot adapts it the same way),
// counting the queries.
type promSource struct {
	c       *promapi.Client
	queries atomic.Int32
}

func (p *promSource) Query(ctx context.Context, q string, at time.Time) (promapi.Result, []string, error) {
	p.queries.Add(1)
	return p.c.Query(ctx, q, at)
}

func (p *promSource) ScrapeTargets(ctx context.Context) ([]inventory.Target, error) {
	ts, err := p.c.Targets(ctx)
	out := make([]inventory.Target, len(ts))
	for i, t := range ts {
		out[i] = inventory.Target{Pool: t.Pool, Labels: t.Labels, Health: t.Health}
	}
	return out, err
}

// TestPrometheusTargetsAndLiveContext runs against a real Prometheus
// scraping three fake hosts and a target that is down, with an alert
// firing on web-1: the hosts Prometheus scrapes become assets (web-2, which
// no file lists, with its labels), an asset it does not scrape is
// unmonitored, and a card shows up, memory, disk and the firing alert from
// one query, or that the host is down.
func TestPrometheusTargetsAndLiveContext(t *testing.T) {
	srv := promtest.Start(t, promtest.WithHosts("web-1", "web-2", "db-1"), promtest.WithDownTargets("web-9"),
		promtest.WithRules(`groups: [{name: t, rules: [{alert: Web1Busy, expr: 'up{instance="web-1:9100"} == 1', labels: {severity: warning}}]}]`))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{`node_memory_MemTotal_bytes{instance="web-1:9100"}`, `up{instance="web-9:9100"}`, `ALERTS{alertstate="firing",instance="web-1:9100"}`} {
		if err := srv.WaitForSamples(ctx, q); err != nil {
			t.Fatalf("%s: %v\n%s", q, err, srv.Logs())
		}
	}
	c, err := promapi.New(promapi.Config{URL: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	prom := &promSource{c: c}
	files := []inventory.Asset{{Name: "web-1", Env: "prod", Role: "web"}, {Name: "web-9", Env: "prod", Role: "web"},
		{Name: "db-1", Env: "prod", Role: "db"}, {Name: "old-1", Env: "prod", Role: "batch"}}
	e := newEnv(t, files, func(d *Deps, _ *Config) { d.Prometheus = prom })

	st := e.inv.Status()
	if st.Prometheus == nil || st.Prometheus.Err != nil || st.Prometheus.Assets != 4 {
		t.Fatalf("Prometheus source: %+v", st.Prometheus)
	}
	web2, err := e.svc.index.Get(ctx, "web-2")
	if err != nil || web2.Source != inventory.PrometheusSource || web2.Monitored != inventory.MonitoredYes {
		t.Errorf("web-2, scraped but in no file: %+v %v", web2, err)
	}
	if text := allText(e.do("asset list monitored=no")); !strings.Contains(text, "*old-1*") || strings.Contains(text, "*web-9*") || strings.Contains(text, "*web-1*") {
		t.Errorf("unmonitored assets:\n%s", text)
	}
	if text := allText(e.do("asset show old-1")); !strings.Contains(text, "unmonitored: Prometheus does not scrape it") {
		t.Errorf("old-1's card does not say it is unmonitored:\n%s", text)
	}
	before := prom.queries.Load()
	card := mrkdwn(e.do("asset show web-1").Blocks)
	if got := prom.queries.Load() - before; got != 1 {
		t.Errorf("the card asked Prometheus %d times, want once", got)
	}
	for _, want := range []string{":large_green_circle: up", "memory 50%", "fullest disk 40%", "1 alert firing: Web1Busy (warning)", "scraped by Prometheus"} {
		if !strings.Contains(card, want) {
			t.Errorf("web-1's card lacks %q:\n%s", want, card)
		}
	}
	if card := mrkdwn(e.do("asset show web-9").Blocks); !strings.Contains(card, ":red_circle: *down*") {
		t.Errorf("web-9's card does not say it is down:\n%s", card)
	}
}
