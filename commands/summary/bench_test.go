package summary

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	promapi "opsbot/integrations/prometheus"
	"opsbot/internal/testkit"
)

// BenchmarkDailySummary builds the daily summary, chart drawn, over 1,000
// scrape targets (10 down) and 40 alerts firing, 10,000 incidents
// opened over the 14 days of the chart (500 still open, the rest
// resolved) and 1,000 changes run over those days (one in ten failing
// on a host), all in a real redis-server. Prometheus and Alertmanager
// are in-process fakes, so their own time is not in the figure; the
// chart is drawn for real.
//
//	go test ./commands/summary -run '^$' -bench DailySummary -benchtime 20x
func BenchmarkDailySummary(b *testing.B) {
	f := newFixture(b, fixtureOpts{})
	seedLarge(b, f)
	s, err := New(Config{{Zone: "Europe/Berlin", Channel: "C0OPS"}}, Deps{Chat: f.chat, Sources: f.sources(), Clock: f.clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	trips := &testkit.RoundTrips{}
	f.store.Client().AddHook(trips)
	ctx := context.Background()
	var built Built
	b.ReportAllocs()
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		built = s.Build(ctx, s.cfg[0], t0, occasion{}, true)
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	testkit.ReportPercentiles(b, durs)
	b.ReportMetric(float64(trips.Count())/float64(b.N), "redis-trips/op")
	text := blocksText(b, built.Message)
	for _, want := range []string{"*Targets*: 990 up, 10 down", "*Open now*: 500", "*Last 24 h*: 714 opened", "*Incidents*", "*Changes*", "*Monitoring*"} {
		if !strings.Contains(text, want) {
			b.Fatalf("the summary lacks %q:\n%s", want, text)
		}
	}
	if built.Chart == nil || len(built.Chart.Content) == 0 {
		b.Fatal("no chart")
	}
}

// seedLarge fills f with the benchmark's work: incidents and changes at
// an even pace over the chart's 14 days, and the fakes' targets and
// alerts.
func seedLarge(tb testing.TB, f *fixture) {
	tb.Helper()
	ctx := context.Background()
	const incidents, changes = 10_000, 1_000
	span := 14 * 24 * time.Hour
	from := t0.Add(-span)
	for i := range incidents {
		at := from.Add(span / incidents * time.Duration(i))
		sev, _ := incident.ParseSeverity(fmt.Sprintf("sev%d", i/20%4+1))
		var id string
		f.at(at, func() {
			o, err := f.inc.Open(ctx, incident.OpenRequest{Title: fmt.Sprintf("incident number %d", i), Severity: sev, Reporter: "U1ALICE"})
			if err != nil {
				tb.Fatal(err)
			}
			id = o.Incident.ID()
		})
		if i%20 == 0 {
			continue // open
		}
		f.at(at.Add(time.Duration(i%90)*time.Minute), func() {
			if _, err := f.router.Dispatch(ctx, &bot.Request{UserID: "U1ALICE", Channel: "C1", Text: "incident resolve " + id, Trigger: bot.TriggerSlash}); err != nil {
				tb.Fatal(err)
			}
		})
	}
	for i := range changes {
		at := from.Add(span / changes * time.Duration(i))
		unit := "nginx"
		if i%10 == 0 {
			unit = "app" // fails on web-2
		}
		f.at(at, func() {
			c, err := f.changes.Request(ctx, change.Request{Action: "restart", Positional: []string{unit}, Selector: "web", Reason: "routine"}, "U2BOB", bot.RoleOperator, "C1")
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := f.changes.Approve(ctx, c.ID, "U3CAROL", bot.RoleApprover, ""); err != nil {
				tb.Fatal(err)
			}
		})
	}
	for i := range 1000 {
		v := 1.0
		if i%100 == 0 {
			v = 0
		}
		f.prom.up = append(f.prom.up, promapi.Sample{Labels: map[string]string{"job": "node", "instance": fmt.Sprintf("host-%04d:9100", i)}, Value: v})
	}
	f.prom.noisy = []promapi.Sample{{Labels: map[string]string{"alertname": "HighCPU"}, Value: 30}, {Labels: map[string]string{"alertname": "DiskFull"}, Value: 10}}
	f.prom.history = make([]float64, ChartDays)
	for i := range f.prom.history {
		f.prom.history[i] = float64(20 + i)
	}
	for i := range 40 {
		f.am.alerts = append(f.am.alerts, alertmanagerAlert(fmt.Sprintf("Alert%d", i%7), []string{"critical", "warning", "info"}[i%3]))
	}
}
