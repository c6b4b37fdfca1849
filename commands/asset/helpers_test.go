package asset

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the tests' now: 2026-12-04 09:00 UTC.
var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(inventory.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sampleEstate is the tests' small estate.
func sampleEstate() []inventory.Asset {
	return []inventory.Asset{
		{Name: "web-1", Address: "10.0.0.11", Port: 2222, User: "deploy", Env: "prod", Role: "web", Groups: []string{"frontend", "web"},
			Team: "@team-web", OnCall: "sre", Labels: map[string]string{"dc": "fra", "rack": "r12"}, OS: "ubuntu", OSVersion: "24.04",
			Location: "fra1", Vendor: "Dell", Model: "PowerEdge R650", Serial: "8XK2Q3", Purchased: date("2023-04-01"),
			WarrantyEnd: date("2027-01-03"), EndOfLife: date("2029-04-01"), State: inventory.StateInService, Criticality: inventory.CriticalityHigh},
		{Name: "web-2", Address: "10.0.0.12", Env: "prod", Role: "web", Groups: []string{"web"}, Team: "@team-web", OnCall: "sre", WarrantyEnd: date("2028-06-30")},
		{Name: "web-3", Address: "10.1.0.13", Env: "staging", Role: "web", Groups: []string{"web"}, State: inventory.StateMaintenance},
		{Name: "db-1", Address: "10.0.0.21", Env: "prod", Role: "db", Groups: []string{"db"}, Team: "S0DBA", OnCall: "dba",
			EndOfLife: date("2027-02-17"), Criticality: inventory.CriticalityCritical},
		{Name: "old-1", Env: "prod", Role: "web", State: inventory.StateRetired, WarrantyEnd: date("2026-12-20")},
	}
}

// env is the asset commands on a real redis-server.
type env struct {
	t      *testing.T
	svc    *Service
	inv    *inventory.Inventory
	chat   *testkit.Chat
	clock  *testkit.Clock
	router *bot.Router
	rdb    *redisCounter
	store  *redisstore.Store
}

type envOpt func(*Deps, *Config)

func newEnv(t *testing.T, assets []inventory.Asset, opts ...envOpt) *env {
	t.Helper()
	rs := redistest.Start(t)
	client := rs.Client(t)
	counter := &redisCounter{}
	client.AddHook(counter)
	e := &env{t: t, chat: testkit.NewChat(), clock: testkit.NewClock(t0), rdb: counter, store: redisstore.New(client, "opsbot")}
	d := Deps{Store: e.store, Chat: e.chat, Clock: e.clock.Now}
	var cfg Config
	src := &inventory.Static{SourceName: "cmdb", SourceKind: "file", Assets: assets}
	var targets inventory.TargetLister
	for _, o := range opts {
		o(&d, &cfg)
	}
	if d.Inventory == nil {
		index := inventory.NewIndex(client, "opsbot")
		if tl, ok := d.Prometheus.(inventory.TargetLister); ok {
			targets = tl
		}
		inv, err := inventory.New(inventory.Config{}, inventory.Options{Index: index, Extra: []inventory.Source{src, index.Imported()}, Targets: targets, Clock: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := inv.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.Inventory = inv
	}
	e.inv = d.Inventory
	svc, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.router = bot.NewRouter("/ops")
	if err := e.router.Register(svc.Commands()...); err != nil {
		t.Fatal(err)
	}
	if err := e.router.RegisterAction(svc.Actions()...); err != nil {
		t.Fatal(err)
	}
	return e
}

// do runs a command as U1 in C1 and returns the reply.
func (e *env) do(text string) *bot.Reply {
	e.t.Helper()
	r, err := e.try(text)
	if err != nil {
		e.t.Fatalf("%s: %v", text, err)
	}
	return r
}

func (e *env) try(text string) (*bot.Reply, error) {
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: "U1", Channel: "C1", Text: text, Trigger: bot.TriggerConsole})
}

func (e *env) click(id, value string) (*bot.Reply, error) {
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: "U1", Channel: "C1", Trigger: bot.TriggerAction,
		Action: &bot.Action{ID: id, Value: value}})
}

// fakeProm answers every query with the same samples and counts them.
type fakeProm struct {
	samples []promapi.Sample
	err     error
	calls   atomic.Int32
	mu      sync.Mutex
	last    string
}

func (f *fakeProm) Query(_ context.Context, q string, _ time.Time) (promapi.Result, []string, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.last = q
	f.mu.Unlock()
	return promapi.Result{Type: promapi.ResultVector, Samples: f.samples}, nil, f.err
}

func sample(m string, v float64, labels ...string) promapi.Sample {
	l := map[string]string{"opsbot_m": m}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	return promapi.Sample{Labels: l, Value: v}
}

type fakeIncidents []IncidentRef

func (f fakeIncidents) Naming(context.Context, string) ([]IncidentRef, error) { return f, nil }

type fakeChanges []ChangeRef

func (f fakeChanges) OnHost(context.Context, string) ([]ChangeRef, error) { return f, nil }

// allText is every text of a reply: its text and its blocks' JSON.
func allText(r *bot.Reply) string {
	var b strings.Builder
	b.WriteString(r.Text)
	for _, bl := range r.Blocks {
		b.WriteString(blockText(bl))
	}
	return b.String()
}

// redisCounter counts round trips to Redis: a command or a pipeline.
type redisCounter struct{ n atomic.Int64 }

func (c *redisCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *redisCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *redisCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

func blockText(b slack.Block) string {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		panic(err)
	}
	return buf.String()
}

// mrkdwn is every mrkdwn text in blocks, where Slack reads markup (plain
// text, such as headers and button labels, it shows as written).
func mrkdwn(bs []slack.Block) string {
	raw, err := json.Marshal(bs)
	if err != nil {
		panic(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(err)
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				t, _ := x["text"].(string)
				b.WriteString(t + "\n")
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return b.String()
}

// redisOf is the test's Redis client, for an inventory built in an option.
func redisOf(d *Deps) redis.UniversalClient { return d.Store.Client() }
