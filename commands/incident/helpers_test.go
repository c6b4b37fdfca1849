package incident_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"opsbot/bot"
	"opsbot/commands/incident"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pager is a fake Pager.
type pager struct {
	mu    sync.Mutex
	pages []string // target|message|ref
	acks  []string // id|user
	n     int
	// paged, when set, runs after each page is raised, as a person who
	// acknowledges at once would.
	paged func(ref string)
	// escalated is what the desk subscribed with OnPaged.
	escalated func(ctx context.Context, ref, page string, level int, reached, failed []string)
}

func (p *pager) OnPaged(fn func(ctx context.Context, ref, page string, level int, reached, failed []string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.escalated = fn
}

// escalate tells the desk, as the pager would, whom a level reached.
func (p *pager) escalate(ref, page string, level int, reached, failed []string) {
	p.mu.Lock()
	fn := p.escalated
	p.mu.Unlock()
	fn(context.Background(), ref, page, level, reached, failed)
}

func (p *pager) PageTarget(_ context.Context, target, message, by, channel, ref string) (string, []string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if target == "nobody" {
		return "", nil, bot.Errorf(bot.CodeConflict, "nobody is on call for nobody right now")
	}
	p.n++
	p.pages = append(p.pages, target+"|"+message+"|"+ref)
	if p.paged != nil {
		p.mu.Unlock()
		p.paged(ref)
		p.mu.Lock()
	}
	return fmt.Sprintf("PG-%d", p.n), []string{"U3CAROL"}, nil
}

func (p *pager) Acknowledge(_ context.Context, id, user string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.acks = append(p.acks, id+"|"+user)
	return nil
}

func (p *pager) got() (pages, acks string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.pages, ","), strings.Join(p.acks, ",")
}

// channels is a fake Channels.
type channels struct {
	mu      sync.Mutex
	created []string
	invited []string
	pinned  []string
}

func (c *channels) CreateChannel(_ context.Context, name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.created = append(c.created, name)
	return fmt.Sprintf("CINC%d", len(c.created)), nil
}

func (c *channels) Invite(_ context.Context, channel string, users ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invited = append(c.invited, channel+":"+strings.Join(users, ","))
	return nil
}

func (c *channels) Pin(_ context.Context, channel, ts string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned = append(c.pinned, channel+":"+ts)
	return nil
}

// roles: the console is admin, alice and bob are responders, everyone
// else (carol, erin) a viewer.
var roles = map[string]string{"U0CONSOLE": "admin", "U1ALICE": "responder", "U2BOB": "responder"}

func testConfig() incident.Config {
	return incident.Config{
		TimeZone: "Europe/Berlin",
		Severities: map[string]incident.SeverityConfig{
			"sev1": {Page: "sre", UpdateEvery: "30m"},
			"sev2": {UpdateEvery: "1h"},
		},
	}
}

// env is one replica of the desk on a shared Redis.
type env struct {
	svc      *incident.Service
	loop     *loop.Loop
	router   *bot.Router
	chat     *testkit.Chat
	pager    *pager
	channels *channels
	clock    *testkit.Clock
	store    *redisstore.Store
	reg      *prometheus.Registry
}

type opts struct {
	cfg      *incident.Config
	chat     *testkit.Chat
	channels bool
	noPager  bool
}

func start(t testing.TB) (*redistest.Server, *testkit.Clock) {
	t.Helper()
	return redistest.Start(t), testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
}

func newEnv(t testing.TB, srv *redistest.Server, c *testkit.Clock, o opts) *env {
	t.Helper()
	store := redisstore.New(srv.Client(t), "t")
	return newEnvOn(t, store, c, o)
}

func newEnvOn(t testing.TB, store *redisstore.Store, c *testkit.Clock, o opts) *env {
	t.Helper()
	cfg := testConfig()
	if o.cfg != nil {
		cfg = *o.cfg
	}
	if o.chat == nil {
		o.chat = testkit.NewChat()
	}
	e := &env{chat: o.chat, pager: &pager{}, clock: c, store: store, reg: prometheus.NewRegistry()}
	e.loop = loop.New(store, loop.Options{Clock: c.Now})
	d := incident.Deps{Store: store, Chat: e.chat, Steps: e.loop, Pager: e.pager, Clock: c.Now, Metrics: e.reg}
	if o.noPager {
		d.Pager = nil
	}
	if o.channels {
		e.channels = &channels{}
		d.Channels = e.channels
	}
	svc, err := incident.New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	testkit.Steps(t, e.loop.Handle, svc)
	e.router = testkit.Router(t, roles, svc)
	return e
}

// do dispatches text as user in channel (and thread).
func (e *env) do(t testing.TB, user, channel, thread, text string) (*bot.Reply, error) {
	t.Helper()
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: user, Channel: channel, Thread: thread, Text: text, Trigger: bot.TriggerSlash})
}

// ok runs a command in CSRE that must succeed.
func (e *env) ok(t testing.TB, user, text string) string {
	t.Helper()
	rep, err := e.do(t, user, "CSRE", "", text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	if rep == nil {
		return ""
	}
	return rep.Text
}

// fails runs a command that must fail with code, and returns the message.
func (e *env) fails(t testing.TB, code bot.Code, user, text string) string {
	t.Helper()
	_, err := e.do(t, user, "CSRE", "", text)
	if bot.ErrorCode(err) != code {
		t.Fatalf("%s: error %v, want code %s", text, err, code)
	}
	return bot.UserMessage(err)
}

func (e *env) click(t testing.TB, user, id, value string) (*bot.Reply, error) {
	t.Helper()
	return e.router.Dispatch(context.Background(), &bot.Request{UserID: user, Channel: "CSRE", Trigger: bot.TriggerAction,
		Action: &bot.Action{ID: id, Value: value}})
}

// message is the incident message as the chat shows it now (first copy).
func (e *env) message(t testing.TB) bot.Message {
	t.Helper()
	p := e.chat.Posted("CSRE")
	if len(p) == 0 {
		t.Fatal("no incident message was posted")
	}
	return e.chat.Last("CSRE", p[0].TS)
}

func (e *env) timeline(t testing.TB, id string) string {
	t.Helper()
	return e.ok(t, "U3CAROL", "incident timeline "+id)
}

func incidentSev(page string) incident.SeverityConfig { return incident.SeverityConfig{Page: page} }

func incidentOpen(title, sev, reporter, channel string) incident.OpenRequest {
	s, err := incident.ParseSeverity(sev)
	if err != nil {
		panic(err)
	}
	return incident.OpenRequest{Title: title, Severity: s, Reporter: reporter, Channel: channel,
		Description: "p99 latency of checkout rose from 300ms to 2.4s at 08:55.", Services: "checkout, db-main",
		Links: []string{"alert CheckoutLatencyHigh"}}
}
