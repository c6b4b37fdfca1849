package inventory

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/redisstore/redistest"
)

// bigEstate is n assets as a CSV: three environments (prod 60%), twenty
// roles and web (a seventh), two labels, a warranty date.
func bigEstate(n int) []byte {
	var b bytes.Buffer
	b.WriteString("name,address,env,role,groups,team,oncall,label.dc,label.rack,os,os_version,warranty_end,state,criticality\n")
	envs := []string{"prod", "prod", "staging", "prod", "dev"}
	for i := range n {
		role := "role" + strconv.Itoa(i%20)
		if i%7 == 0 {
			role = "web"
		}
		fmt.Fprintf(&b, "host-%06d,10.%d.%d.%d,%s,%s,%s;all,@team-%d,sched-%d,dc%d,r%d,ubuntu,24.04,2027-%02d-%02d,in_service,medium\n",
			i, i>>16&255, i>>8&255, i&255, envs[i%5], role, role, i%40, i%10, i%4, i%100, 1+i%12, 1+i%28)
	}
	return b.Bytes()
}

// BenchmarkImport100k: `asset import` of 100,000 assets: parse and store
// the CSV, reload (merge) and publish the whole inventory to a real
// redis-server. It reports Redis' memory per asset.
//
//	go test ./integrations/inventory -run '^$' -bench Import100k -benchtime 3x
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	rdb := redistest.Start(b).Client(b)
	data := bigEstate(n)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		base := usedMemory(b, rdb)
		x := NewIndex(rdb, "bench")
		inv, err := New(Config{}, Options{Index: x, Extra: []Source{x.Imported()}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := x.Imported().Store(ctx, "big.csv", data, "U1", time.Now()); err != nil {
			b.Fatal(err)
		}
		if err := inv.Reload(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if inv.Snapshot().Len() != n {
			b.Fatalf("%d assets", inv.Snapshot().Len())
		}
		// The imported file itself is kept in Redis too; count it apart.
		imp, _ := rdb.MemoryUsage(ctx, x.key("import")).Result()
		b.ReportMetric(float64(usedMemory(b, rdb)-base-imp)/n, "index-bytes/asset")
		b.ReportMetric(float64(imp)/n, "import-bytes/asset")
		b.StartTimer()
	}
}

func usedMemory(tb testing.TB, rdb *redis.Client) int64 {
	tb.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	tb.Fatal("no used_memory in INFO")
	return 0
}

// published is a real redis-server holding bigEstate(n), published once.
func published(b *testing.B, n int) *Index {
	b.Helper()
	rdb := redistest.Start(b).Client(b)
	x := NewIndex(rdb, "bench")
	as, err := parseCSV("big.csv", bigEstate(n))
	if err != nil {
		b.Fatal(err)
	}
	assets, _ := merge([]loaded{{source: "big", assets: unlocate(as)}})
	if _, _, err := x.Publish(context.Background(), Publication{Assets: assets, Digest: digest(assets)}); err != nil {
		b.Fatal(err)
	}
	return x
}

// BenchmarkSelectRoleWebEnvProd: what `asset list role=web,env=prod` asks
// the index over 100,000 assets (a page of 20, the total, counts per
// environment and role over the 8,572 matches), with p50 and p99.
//
//	go test ./integrations/inventory -run '^$' -bench SelectRoleWebEnvProd -benchtime 300x
func BenchmarkSelectRoleWebEnvProd(b *testing.B) {
	x := published(b, 100_000)
	q := Query{Selector: MustParseSelector("role=web,env=prod"), Limit: 20, CountBy: []string{"env", "role"}}
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := x.Select(ctx, q)
		took = append(took, time.Since(start))
		if err != nil || res.Total != 8572 || len(res.Assets) != 20 {
			b.Fatalf("total %d, %d assets, %v", res.Total, len(res.Assets), err)
		}
	}
	reportPercentiles(b, took)
}

// BenchmarkGet: the index's part of `asset show` over 100,000 assets.
//
//	go test ./integrations/inventory -run '^$' -bench 'Get$' -benchtime 2000x
func BenchmarkGet(b *testing.B) {
	x := published(b, 100_000)
	ctx := context.Background()
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		_, err := x.Get(ctx, fmt.Sprintf("host-%06d", i*7919%100_000))
		took = append(took, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportPercentiles(b, took)
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	at := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
