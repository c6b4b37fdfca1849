package asset

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/inventory"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

// benchEnv is the asset commands over n assets in a real redis-server,
// with nothing live configured.
func benchEnv(b *testing.B, n int) *bot.Router {
	b.Helper()
	client := redistest.Start(b).Client(b)
	assets := make([]inventory.Asset, n)
	envs := []string{"prod", "prod", "staging", "prod", "dev"}
	for i := range assets {
		role := fmt.Sprintf("role%d", i%20)
		if i%7 == 0 {
			role = "web"
		}
		assets[i] = inventory.Asset{Name: fmt.Sprintf("host-%06d", i), Address: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			Env: envs[i%5], Role: role, Groups: []string{role, "all"}, Team: fmt.Sprintf("@team-%d", i%40), OnCall: fmt.Sprintf("sched-%d", i%10),
			Labels: map[string]string{"dc": fmt.Sprintf("dc%d", i%4), "rack": fmt.Sprintf("r%d", i%100)}, OS: "ubuntu", OSVersion: "24.04",
			WarrantyEnd: t0.AddDate(0, 0, i%900), State: inventory.StateInService, Criticality: inventory.CriticalityMedium}
	}
	index := inventory.NewIndex(client, "opsbot")
	inv, err := inventory.New(inventory.Config{}, inventory.Options{Index: index, Extra: []inventory.Source{&inventory.Static{SourceName: "cmdb", Assets: assets}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := inv.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	svc, err := New(Config{}, Deps{Inventory: inv, Store: redisstore.New(client, "opsbot"), Chat: testkit.NewChat(), Clock: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	r := bot.NewRouter("")
	if err := r.Register(svc.Commands()...); err != nil {
		b.Fatal(err)
	}
	return r
}

// benchCommand runs lines round robin and reports p50 and p99.
func benchCommand(b *testing.B, r *bot.Router, lines ...string) {
	ctx := context.Background()
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		_, err := r.Dispatch(ctx, &bot.Request{UserID: "U1", Channel: "C1", Text: lines[i%len(lines)], Trigger: bot.TriggerConsole})
		took = append(took, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkShow100k: `asset show` over 100,000 assets with nothing live
// configured (the inventory and the last check only), card included.
//
//	go test ./commands/asset -run '^$' -bench Show100k -benchtime 2000x
func BenchmarkShow100k(b *testing.B) {
	r := benchEnv(b, 100_000)
	var lines []string
	for i := range 97 {
		lines = append(lines, fmt.Sprintf("asset show host-%06d", i*1031%100_000))
	}
	benchCommand(b, r, lines...)
}

// BenchmarkList100k: `asset list role=web,env=prod` over 100,000 assets
// (8,572 matches: a page of 20 and the counts), reply included.
//
//	go test ./commands/asset -run '^$' -bench List100k -benchtime 300x
func BenchmarkList100k(b *testing.B) {
	benchCommand(b, benchEnv(b, 100_000), "asset list role=web,env=prod")
}
