package inventory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/redisstore/redistest"
)

// estate is the assets of the selector tests: the sample files plus a few
// that exercise labels, lifecycle and monitoring.
func estate(t *testing.T) []Asset {
	t.Helper()
	var all []Asset
	for _, f := range []string{"assets.yaml", "assets.csv"} {
		as, err := (&Files{Path: filepath.Join("testdata", "files", f)}).Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, as...)
	}
	all = append(all, Asset{Name: "cache-1", Env: "prod", Role: "cache", Labels: map[string]string{"dc": "ams"}, Monitored: MonitoredNo})
	merged, _ := merge([]loaded{{source: "test", assets: all}})
	return merged
}

func publish(t *testing.T, x *Index, assets []Asset) int64 {
	t.Helper()
	gen, _, err := x.Publish(context.Background(), Publication{Assets: assets, Digest: digest(assets)})
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

func names(as []Asset) string {
	var n []string
	for _, a := range as {
		n = append(n, a.Name)
	}
	return strings.Join(n, " ")
}

// TestSelectorsAgainstRedis runs every kind of selector against a real
// redis-server and checks the index answers what the in-memory match of
// the same selector says, and what the test says.
func TestSelectorsAgainstRedis(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	x := NewIndex(rdb, "t")
	assets := estate(t)
	publish(t, x, assets)
	snap := newSnapshot(assets, nil)
	tests := []struct {
		sel  string
		want string
	}{
		{"", "cache-1 db-1 old-fw stg-db-1 stg-web-1 web-1 web-2"},
		{"web-1", "web-1"},
		{"web", "stg-web-1 web-1 web-2"},
		{"role=web,env=prod", "web-1 web-2"},
		{"env!=prod", "old-fw stg-db-1 stg-web-1"},
		{`name=~"web-.*"`, "web-1 web-2"},
		{`name!~"web-.*"`, "cache-1 db-1 old-fw stg-db-1 stg-web-1"},
		{"dc=fra", "stg-web-1 web-1"},
		{"dc!=fra,env=prod", "cache-1 db-1 web-2"},
		{`group=~"front.*"`, "stg-web-1 web-1"},
		{`role=~'w.*|d.*',env=staging`, "stg-db-1 stg-web-1"},
		{"state=retired", "old-fw"},
		{"monitored=no", "cache-1"},
		{"team=@team-db", "db-1 stg-db-1"},
		{"web,db", ""},
		{"env=dev", ""},
		{`name=~"nothing.*"`, ""},
		{"criticality=critical", "db-1"},
		{"os=ubuntu,os_version=24.04", "web-1"},
		{`name="web-1"`, "web-1"},
		{"name=ghost", ""},
		{`env=“prod”,role=web`, "web-1 web-2"},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			sel, err := ParseSelector(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			res, err := x.Select(context.Background(), Query{Selector: sel})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res.Assets); got != tt.want {
				t.Errorf("redis: %q, want %q", got, tt.want)
			}
			if got := names(snap.Select(sel)); got != tt.want {
				t.Errorf("in memory: %q, want %q", got, tt.want)
			}
			if res.Total != len(res.Assets) {
				t.Errorf("total %d, assets %d", res.Total, len(res.Assets))
			}
		})
	}
}

// TestSelectPagesAndCounts: a page in name order, the total, and counts
// per env and role over all the matches (not only the page).
func TestSelectPagesAndCounts(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	x := NewIndex(rdb, "t")
	publish(t, x, estate(t))
	res, err := x.Select(context.Background(), Query{Selector: MustParseSelector(""), Offset: 2, Limit: 3, CountBy: []string{"env", "role"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 7 || names(res.Assets) != "old-fw stg-db-1 stg-web-1" {
		t.Errorf("page = %d %q", res.Total, names(res.Assets))
	}
	wantEnv := map[string]int{"prod": 4, "staging": 2, "": 1}
	wantRole := map[string]int{"web": 3, "db": 2, "cache": 1, "": 1}
	if fmt.Sprint(res.Counts["env"]) != fmt.Sprint(wantEnv) || fmt.Sprint(res.Counts["role"]) != fmt.Sprint(wantRole) {
		t.Errorf("counts = %v, want env %v role %v", res.Counts, wantEnv, wantRole)
	}
	res, err = x.Select(context.Background(), Query{Selector: MustParseSelector("env=staging"), CountBy: []string{"role"}, NamesOnly: true})
	if err != nil || strings.Join(res.Names, " ") != "stg-db-1 stg-web-1" || res.Counts["role"]["db"] != 1 || len(res.Assets) != 0 {
		t.Errorf("names only = %+v, %v", res, err)
	}
}

// TestGetAndRoundTrip: what goes into the index comes back field for
// field, labels and dates included.
func TestGetAndRoundTrip(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	x := NewIndex(rdb, "t")
	assets := estate(t)
	if _, err := x.Get(context.Background(), "web-1"); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("before any publication: %v, want ErrNotLoaded", err)
	}
	publish(t, x, assets)
	for _, want := range assets {
		got, err := x.Get(context.Background(), want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(view(got)) != fmt.Sprint(view(want)) {
			t.Errorf("%s:\n got %v\nwant %v", want.Name, view(got), view(want))
		}
	}
	if _, err := x.Get(context.Background(), "ghost"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ghost: %v, want ErrNotFound", err)
	}
	n, g, err := x.Names(context.Background())
	if err != nil || len(n) != len(assets) || !slices.Contains(g, "frontend") {
		t.Errorf("names %v groups %v err %v", n, g, err)
	}
}

// TestPublishSwapsGenerations: an unchanged inventory is not written
// again; a changed one replaces the old one whole, and the generation
// before the previous one is deleted, leaving no keys behind.
func TestPublishSwapsGenerations(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	x := NewIndex(rdb, "t")
	a := estate(t)
	g1 := publish(t, x, a)
	if g, changed, err := x.Publish(context.Background(), Publication{Assets: a, Digest: digest(a)}); err != nil || changed || g != g1 {
		t.Fatalf("same digest: gen %d changed %v err %v", g, changed, err)
	}
	b := a[:3]
	g2 := publish(t, x, b)
	res, err := x.Select(context.Background(), Query{Selector: MustParseSelector("")})
	if err != nil || res.Total != 3 {
		t.Fatalf("after the swap: %d assets, %v", res.Total, err)
	}
	g3 := publish(t, x, a)
	for _, g := range []int64{g1} {
		keys, _ := rdb.Keys(context.Background(), x.gkey(g, "*")).Result()
		if len(keys) != 0 {
			t.Errorf("generation %d left %d keys: %v", g, len(keys), keys[:min(5, len(keys))])
		}
	}
	for _, g := range []int64{g2, g3} {
		if n, _ := rdb.Exists(context.Background(), x.gkey(g, "meta")).Result(); n != 1 {
			t.Errorf("generation %d is gone; the current and the previous must stay", g)
		}
	}
	tmp, _ := rdb.Keys(context.Background(), "t:{inv}:*:tmp:*").Result()
	if len(tmp) > 0 {
		t.Errorf("temporary keys left: %v", tmp)
	}
}

// flipSource gives one of two estates, whichever is set.
type flipSource struct{ cur atomic.Pointer[[]Asset] }

func (f *flipSource) Name() string                          { return "flip" }
func (f *flipSource) Kind() string                          { return "test" }
func (f *flipSource) Load(context.Context) ([]Asset, error) { return slices.Clone(*f.cur.Load()), nil }

func flipEstate(label string, n int) []Asset {
	out := make([]Asset, n)
	for i := range out {
		out[i] = Asset{Name: fmt.Sprintf("%s-%04d", label, i), Env: "prod", Role: "web", Labels: map[string]string{"estate": label}}
	}
	return out
}

// TestReloadUnderConcurrentReaders: while one estate is swapped for
// another again and again, readers of the local snapshot and of Redis
// always see one whole estate, never a mix nor a part of one.
func TestReloadUnderConcurrentReaders(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	x := NewIndex(rdb, "t")
	const n = 400
	estates := [][]Asset{flipEstate("a", n), flipEstate("b", n)}
	src := &flipSource{}
	src.cur.Store(&estates[0])
	inv, err := New(Config{}, Options{Index: x, Extra: []Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := inv.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, redisReads atomic.Int64
	fail := make(chan string, 10)
	check := func(where string, as []Asset, total int) {
		if total != n || len(as) != n {
			fail <- fmt.Sprintf("%s: %d assets (total %d), want %d", where, len(as), total, n)
			return
		}
		first := as[0].Labels["estate"]
		for _, a := range as {
			if a.Labels["estate"] != first || !strings.HasPrefix(a.Name, first+"-") {
				fail <- fmt.Sprintf("%s: estates mixed: %s (estate %s) beside estate %s", where, a.Name, a.Labels["estate"], first)
				return
			}
		}
	}
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := inv.Snapshot()
				check("snapshot", s.Assets(), s.Len())
				reads.Add(1)
			}
		})
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := x.Select(ctx, Query{Selector: MustParseSelector("role=web,env=prod")})
				if err != nil {
					fail <- "redis: " + err.Error()
					return
				}
				check("redis", res.Assets, res.Total)
				redisReads.Add(1)
			}
		})
	}
	for i := 1; i <= 12; i++ {
		src.cur.Store(&estates[i%2])
		if err := inv.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		// let the readers read each generation before the next swap
		for start := redisReads.Load(); redisReads.Load() < start+3; {
			time.Sleep(time.Millisecond)
			select {
			case msg := <-fail:
				t.Fatal(msg)
			default:
			}
		}
	}
	close(stop)
	wg.Wait()
	select {
	case msg := <-fail:
		t.Fatal(msg)
	default:
	}
	if reads.Load() == 0 || redisReads.Load() == 0 {
		t.Fatal("the readers did not read")
	}
}

// TestBrokenFileKeepsLastGood: a file broken after a good load keeps its
// assets in use, with the problem in the status; once fixed, it reloads.
func TestBrokenFileKeepsLastGood(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "assets.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("assets:\n  - {name: web-1, env: prod}\n")
	inv, err := New(Config{Sources: []SourceConfig{{Name: "cmdb", File: path}}}, Options{Index: NewIndex(rdb, "t")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := inv.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	write("assets:\n  - {name: web-1, env: prod}\n  - {name: web-2, env: prod, port: none}\n")
	err = inv.Reload(ctx)
	if err == nil || !strings.Contains(err.Error(), "assets.yaml:3: assets[1].port") {
		t.Fatalf("reload of a broken file: %v, want its file, line and field", err)
	}
	st := inv.Status()
	if st.Sources[0].Err == nil || st.Sources[0].Assets != 1 || st.Assets != 1 {
		t.Errorf("status = %+v, want the error and the last good asset", st.Sources[0])
	}
	if _, err := inv.Index().Get(ctx, "web-1"); err != nil {
		t.Errorf("the last good inventory is gone from Redis: %v", err)
	}
	write("assets:\n  - {name: web-1, env: prod}\n  - {name: web-2, env: prod, port: 22}\n")
	if err := inv.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if st := inv.Status(); st.Sources[0].Err != nil || st.Assets != 2 {
		t.Errorf("after the fix: %+v", st)
	}
}

// TestRunReloadsOnChangeSignalAndImport: Run reloads when a watched file
// changes, when another replica imports, and at once when asked (SIGHUP)
// though nothing changed.
func TestRunReloadsOnChangeSignalAndImport(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "assets.csv")
	if err := os.WriteFile(path, []byte("name,env\nweb-1,prod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	x := NewIndex(rdb, "t")
	var tick atomic.Int64 // a clock that moves one second each time it is read
	clock := func() time.Time { return time.Unix(1_800_000_000+tick.Add(1), 0) }
	inv, err := New(Config{Sources: []SourceConfig{{File: path}}, WatchInterval: 20 * time.Millisecond},
		Options{Index: x, Extra: []Source{x.Imported()}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := inv.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	reload := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- inv.Run(ctx, reload) }()
	has := func(name string) func() bool {
		return func() bool { _, ok := inv.Snapshot().Get(name); return ok }
	}
	if err := os.WriteFile(path, []byte("name,env\nweb-1,prod\nweb-2,prod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, has("web-2"), "the changed file reloaded")
	other := NewIndex(rdb, "t").Imported() // another replica's import
	if _, err := other.Store(ctx, "extra.csv", []byte("name,env\nimp-1,dev\n"), "U1", time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, has("imp-1"), "the import reloaded")
	tried := inv.Status().Sources[0].Tried
	time.Sleep(100 * time.Millisecond) // five watch ticks: nothing is due
	if got := inv.Status().Sources[0].Tried; !got.Equal(tried) {
		t.Fatalf("reloaded at %v with nothing changed", got)
	}
	reload <- struct{}{}
	eventually(t, func() bool { return inv.Status().Sources[0].Tried.After(tried) }, "the reload asked for")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var _ redis.UniversalClient = (*redis.Client)(nil)

// blockingSource holds its load until released.
type blockingSource struct {
	entered, release chan struct{}
}

func (b *blockingSource) Name() string { return "slow" }
func (b *blockingSource) Kind() string { return "test" }
func (b *blockingSource) Load(context.Context) ([]Asset, error) {
	close(b.entered)
	<-b.release
	return []Asset{{Name: "slow-1"}}, nil
}

// TestStatusDoesNotWaitForAReload: while a source takes its time,
// Status (asset sources, /readyz's detail) answers at once.
func TestStatusDoesNotWaitForAReload(t *testing.T) {
	src := &blockingSource{entered: make(chan struct{}), release: make(chan struct{})}
	inv, err := New(Config{}, Options{Index: NewIndex(redistest.Start(t).Client(t), "t"), Extra: []Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	reloaded := make(chan error, 1)
	go func() { reloaded <- inv.Reload(context.Background()) }()
	<-src.entered
	answered := make(chan Status, 1)
	go func() { answered <- inv.Status() }()
	waited := false
	select {
	case st := <-answered:
		if st.Sources[0].Name != "slow" || st.Assets != 0 {
			t.Errorf("status during the first load = %+v", st)
		}
	case <-time.After(10 * time.Second):
		t.Error("Status waited for the reload")
		waited = true
	}
	close(src.release)
	if err := <-reloaded; err != nil {
		t.Fatal(err)
	}
	if waited {
		<-answered
	}
}
