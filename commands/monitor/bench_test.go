package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/alertmanager"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/prometheus/promtest"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

// Webhook ingest: decode, route to two channels and store in a real
// redis-server, 100 alerts per notification, several notifications in
// flight as Alertmanager sends them.
//
//	go test ./commands/monitor -run '^$' -bench BenchmarkWebhookIngest -benchtime 3s
func BenchmarkWebhookIngest(b *testing.B) {
	srv := redistest.Start(b)
	s, err := New(Config{Webhook: WebhookConfig{BearerToken: testToken}, DefaultChannel: "C1",
		Routes: []RouteConfig{{Match: `team="db"`, Channel: "CDB", Continue: true}, {Match: `severity="critical"`, Channel: "CPAGE"}}},
		Deps{Store: redisstore.New(srv.Client(b), "opsbot"), Chat: testkit.NewChat()})
	if err != nil {
		b.Fatal(err)
	}
	labels := func(i int) map[string]string {
		return map[string]string{"alertname": fmt.Sprintf("A%d", i), "team": "db", "severity": "critical"}
	}
	if got := s.Routes().Channels(labels(0)); !slices.Equal(got, []string{"CDB", "CPAGE"}) {
		b.Fatalf("the payload goes to %v, want CDB and CPAGE", got)
	}
	const perPayload = 100
	bodies := make([][]byte, 64)
	for i := range bodies {
		m := payload(fmt.Sprintf("group-%d", i), alertmanager.StatusFiring, labels(i), perPayload, t0)
		for j := range m.Alerts {
			m.Alerts[j].Annotations = map[string]string{"summary": "disk almost full", "description": "less than 5% free on /var"}
			m.Alerts[j].GeneratorURL = "http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes"
		}
		bodies[i], _ = json.Marshal(m)
	}
	h := s.Webhook()
	b.SetBytes(int64(len(bodies[0])))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/hooks/alertmanager", bytes.NewReader(bodies[i%len(bodies)]))
			req.Header.Set("Authorization", "Bearer "+testToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Errorf("status %d", rec.Code)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N*perPayload)/time.Since(start).Seconds(), "alerts/s")
	b.StopTimer()
	ctx := context.Background()
	for _, ch := range []string{"CDB", "CPAGE", "C1"} {
		_, err := s.st.load(ctx, groupID(ch, "group-0"))
		if want := ch != "C1"; (err == nil) != want {
			b.Errorf("group stored in %s: %v, want %v", ch, err == nil, want)
		}
	}
}

// Query latency: the query command against Prometheus' own answer time
// for the same query through the same client.
//
//	go test ./commands/monitor -run '^$' -bench BenchmarkQuery -benchtime 2000x
func BenchmarkQuery(b *testing.B) {
	prom := promtest.Start(b, promtest.WithHosts("web-1", "web-2", "web-3", "db-1"))
	client, err := promapi.New(promapi.Config{URL: prom.URL})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := prom.WaitForSamples(ctx, "node_load1"); err != nil {
		b.Fatal(err)
	}
	srv := redistest.Start(b)
	s, err := New(Config{Webhook: WebhookConfig{BearerToken: testToken}, DefaultChannel: "C1"},
		Deps{Store: redisstore.New(srv.Client(b), "opsbot"), Chat: testkit.NewChat(), Prometheus: client})
	if err != nil {
		b.Fatal(err)
	}
	const q = `node_cpu_seconds_total{mode="idle"}`
	b.Run("prometheus", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := client.Query(context.Background(), q, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("command", func(b *testing.B) {
		var cmd bot.Command
		for _, c := range s.Commands() {
			if c.Verb == "query" {
				cmd = c
			}
		}
		a, _ := parseArgs(q)
		for b.Loop() {
			if _, err := cmd.Handler(context.Background(), &bot.Request{Args: a, Command: &cmd}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The command's own work on a query answer: formatting 50 series.
//
//	go test ./commands/monitor -run '^$' -bench BenchmarkFormatResult
func BenchmarkFormatResult(b *testing.B) {
	res := promapi.Result{Type: promapi.ResultVector}
	for i := range 50 {
		res.Samples = append(res.Samples, promapi.Sample{Labels: map[string]string{"__name__": "node_load1", "instance": fmt.Sprintf("web-%d:9100", i), "job": "node"}, Value: float64(i) / 3})
	}
	for b.Loop() {
		_ = formatResult("node_load1", res, nil)
	}
}
