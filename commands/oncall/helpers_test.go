package oncall_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// groups is a fake UserGroups.
type groups struct {
	mu   sync.Mutex
	set  map[string][]string
	n    int
	fail error // when set, SetMembers fails with it
}

func (g *groups) SetMembers(_ context.Context, handle string, users []string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil {
		return g.fail
	}
	if g.set == nil {
		g.set = map[string][]string{}
	}
	g.set[handle] = users
	g.n++
	return nil
}

func (g *groups) members(h string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.set[h], ",")
}

// testConfig: sre rotates daily in Berlin, dba weekly in New York, and
// the urgent policy pages sre, then bob, then carol.
func testConfig() oncall.Config {
	return oncall.Config{
		People: map[string]string{"console": "U0CONSOLE", "alice": "U1ALICE", "bob": "U2BOB", "carol": "U3CAROL"},
		Schedules: []oncall.ScheduleConfig{
			{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U1ALICE", "U2BOB", "U3CAROL"}, Shift: "24h", Handoff: "09:00",
				Start: "2026-03-02", UserGroup: "sre-oncall", Channel: "CSRE", EscalationPolicy: "urgent"},
			{Name: "dba", Zone: "America/New_York", Users: []string{"U3CAROL", "U0CONSOLE"}, Shift: "1w", Handoff: "monday 10:00", Start: "2026-03-01"},
		},
		Policies: []oncall.PolicyConfig{
			{Name: "urgent", Levels: []oncall.LevelConfig{
				{Schedule: "sre", After: "5m"}, {Users: []string{"U2BOB"}, After: "10m"}, {Users: []string{"U0CONSOLE"}, After: "10m"}}},
		},
	}
}

// env is one replica: a desk with its loop, chat and router, on a shared
// Redis.
type env struct {
	svc    *oncall.Service
	loop   *loop.Loop
	router *bot.Router
	chat   *testkit.Chat
	groups *groups
	clock  *testkit.Clock
	store  *redisstore.Store
}

func start(t testing.TB) (*redistest.Server, *testkit.Clock) {
	t.Helper()
	return redistest.Start(t), testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)) // Tue 09:00 CET
}

func newEnv(t testing.TB, srv *redistest.Server, c *testkit.Clock, cfg oncall.Config, ch *testkit.Chat) *env {
	t.Helper()
	store := redisstore.New(srv.Client(t), "t")
	if ch == nil {
		ch = testkit.NewChat()
	}
	e := &env{chat: ch, groups: &groups{}, clock: c, store: store}
	e.loop = loop.New(store, loop.Options{Clock: c.Now})
	svc, err := oncall.New(cfg, oncall.Deps{Store: store, Chat: ch, Steps: e.loop, Groups: e.groups, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	testkit.Steps(t, e.loop.Handle, svc)
	e.router = testkit.Router(t, map[string]string{"U0CONSOLE": "admin", "U1ALICE": "responder", "U2BOB": "responder"}, svc)
	return e
}

// run dispatches a command as user.
func (e *env) run(t testing.TB, user, text string) (*bot.Reply, error) {
	t.Helper()
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: user, Channel: "CCMD", Text: text, Trigger: bot.TriggerConsole})
}

// ok dispatches a command that must succeed and returns its text.
func (e *env) ok(t testing.TB, user, text string) string {
	t.Helper()
	rep, err := e.run(t, user, text)
	if err != nil {
		t.Fatalf("%s: %v", text, bot.UserMessage(err))
	}
	return rep.Text
}

func (e *env) click(t testing.TB, user, actionID, value, ts string) (*bot.Reply, error) {
	t.Helper()
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: user, Channel: user, Trigger: bot.TriggerAction,
		Action: &bot.Action{ID: actionID, Value: value, MessageTS: ts}})
}

func (e *env) tick(t testing.TB) int {
	t.Helper()
	n, err := e.loop.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
