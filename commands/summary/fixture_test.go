package summary

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/commands/actions"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/commands/monitor"
	"opsbot/commands/oncall"
	"opsbot/integrations/alertmanager"
	"opsbot/integrations/chart"
	promapi "opsbot/integrations/prometheus"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/integrations/sshexec"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// t0 is the fixtures' now: Tuesday 10 March 2026, 08:00 UTC.
var t0 = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

// fixture is every domain with a summary section, wired as opsbot wires
// them, on one real redis-server and one hand-moved clock; Prometheus and
// Alertmanager are the fakes below unless a test gives real clients.
type fixture struct {
	clock   *testkit.Clock
	store   *redisstore.Store
	chat    *testkit.Chat
	oncall  *oncall.Service
	inc     *incident.Service
	router  *bot.Router
	changes *change.Service
	mon     *monitor.Service
	prom    *fakeProm
	am      *fakeAM
}

// fixtureOpts change what newFixture wires.
type fixtureOpts struct {
	// prom and am replace the fakes (real servers' clients).
	prom monitor.Prometheus
	am   monitor.Alertmanager
	// hostLabel is the team label of the web hosts (default "web").
	hostLabel string
}

func newFixture(tb testing.TB, o fixtureOpts) *fixture {
	tb.Helper()
	srv := redistest.Start(tb)
	store := redisstore.New(srv.Client(tb), "sum")
	f := &fixture{clock: testkit.NewClock(t0), store: store, chat: testkit.NewChat(), prom: &fakeProm{}, am: &fakeAM{}}
	steps := loop.New(store, loop.Options{Clock: f.clock.Now})
	var err error
	f.oncall, err = oncall.New(oncall.Config{Schedules: []oncall.ScheduleConfig{
		{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U1ALICE", "U2BOB", "U3CAROL"}, Shift: "1w", Handoff: "monday 09:00", Start: "2026-01-05"},
		{Name: "dba", Zone: "America/New_York", Users: []string{"U3CAROL", "U2BOB"}, Shift: "24h", Handoff: "10:00", Start: "2026-01-05"},
	}}, oncall.Deps{Store: store, Chat: f.chat, Steps: steps, Clock: f.clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	f.inc, err = incident.New(incident.Config{TimeZone: "Europe/Berlin", Severities: map[string]incident.SeverityConfig{
		"sev1": {UpdateEvery: "30m"}, "sev2": {UpdateEvery: "1h"}, "sev3": {UpdateEvery: "4h"}}},
		incident.Deps{Store: store, Chat: f.chat, Steps: steps, Clock: f.clock.Now, Metrics: prometheus.NewRegistry()})
	if err != nil {
		tb.Fatal(err)
	}
	f.router = testkit.Router(tb, map[string]string{"U1ALICE": "responder"}, f.inc)
	team := o.hostLabel
	if team == "" {
		team = "web"
	}
	cat, err := actions.New(actions.Config{
		Groups: map[string]actions.GroupConfig{"web": {Services: []string{"nginx", "app"}}, "db": {Services: []string{"postgresql"}}},
		Hosts: []actions.HostConfig{
			{Name: "web-1", Address: "10.0.0.1", Groups: []string{"web"}, Env: "prod", Labels: map[string]string{"team": team}},
			{Name: "web-2", Address: "10.0.0.2", Groups: []string{"web"}, Env: "prod", Labels: map[string]string{"team": team}},
			{Name: "db-1", Address: "10.0.0.3", Groups: []string{"db"}, Env: "prod", Labels: map[string]string{"team": "db"}},
		},
		Actions: map[string]actions.ActionConfig{"restart": {Argv: []string{"systemctl", "restart", "{unit}"},
			Params: map[string]actions.ParamConfig{"unit": {Type: "service"}}, Approval: map[string]bool{"*": true}}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	f.changes, err = change.New(change.Config{Channel: "C0CHANGES"}, change.Deps{Store: store, Chat: f.chat, Runner: fakeRunner{},
		Resolver: cat, Actions: cat, Audit: &testkit.Audit{}, Steps: steps, Clock: f.clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	var prom monitor.Prometheus = f.prom
	var am monitor.Alertmanager = f.am
	if o.prom != nil {
		prom, am = o.prom, o.am
	}
	f.mon, err = monitor.New(monitor.Config{DefaultChannel: "C0ALERTS"}, monitor.Deps{Store: store, Chat: f.chat, Alertmanager: am,
		Prometheus: prom, Clock: f.clock.Now, Metrics: prometheus.NewRegistry()})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// sources are the sections in opsbot's mount order.
func (f *fixture) sources() []Source {
	return []Source{{"oncall", f.oncall}, {"incident", f.inc}, {"monitor", f.mon}, {"change", f.changes}}
}

// service is the summary over the fixture's sections, drawing charts as
// fakeDraw says.
func (f *fixture) service(tb testing.TB, cfg Config) *Service {
	tb.Helper()
	s, err := New(cfg, Deps{Chat: f.chat, Sources: f.sources(), Clock: f.clock.Now, Draw: fakeDraw})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// at runs fn with the clock at t, then puts it back.
func (f *fixture) at(t time.Time, fn func()) {
	back := f.clock.Now()
	f.clock.Set(t)
	fn()
	f.clock.Set(back)
}

// seed fills the domains with two weeks of work, names written through
// text (the identity for the golden file, hostile text for the limits).
func (f *fixture) seed(tb testing.TB, text func(string) string) {
	tb.Helper()
	ctx := context.Background()
	open := func(at time.Time, sev, title string) string {
		var id string
		f.at(at, func() {
			s, _ := incident.ParseSeverity(sev)
			o, err := f.inc.Open(ctx, incident.OpenRequest{Title: text(title), Severity: s, Reporter: "U1ALICE"})
			if err != nil {
				tb.Fatal(err)
			}
			id = o.Incident.ID()
		})
		return id
	}
	do := func(at time.Time, cmd string) {
		f.at(at, func() {
			if _, err := f.router.Dispatch(ctx, &bot.Request{UserID: "U1ALICE", Channel: "C1", Text: cmd, Trigger: bot.TriggerSlash}); err != nil {
				tb.Fatalf("%s: %v", cmd, err)
			}
		})
	}
	h := time.Hour
	open(t0.Add(-30*24*h), "sev4", "nightly backup is flaky") // still open
	for d := 13; d >= 2; d-- {
		for k := 0; k <= d%3; k++ {
			id := open(t0.Add(-time.Duration(d)*24*h+time.Duration(3+k)*h), "sev3", fmt.Sprintf("disk filling on db-%d", d))
			do(t0.Add(-time.Duration(d)*24*h+time.Duration(5+k)*h), "incident resolve "+id+" cleaned up")
		}
	}
	a := open(t0.Add(-20*h), "sev2", "checkout latency above 2s")
	do(t0.Add(-20*h+8*time.Minute), "incident ack "+a)
	do(t0.Add(-18*h-30*time.Minute), "incident resolve "+a+" rolled back release 1.8")
	b := open(t0.Add(-3*h), "sev1", "payments API returns 502")
	do(t0.Add(-3*h+4*time.Minute), "incident ack "+b)
	open(t0.Add(-1*h), "sev3", "search indexing lag")

	req := func(at time.Time, r change.Request) *change.Change {
		var c *change.Change
		f.at(at, func() {
			var err error
			if c, err = f.changes.Request(ctx, r, "U2BOB", bot.RoleOperator, "C1"); err != nil {
				tb.Fatalf("%+v: %v", r, err)
			}
		})
		return c
	}
	approve := func(at time.Time, c *change.Change) {
		f.at(at, func() {
			if _, err := f.changes.Approve(ctx, c.ID, "U3CAROL", bot.RoleApprover, ""); err != nil {
				tb.Fatal(err)
			}
		})
	}
	restart := func(unit, sel, reason string) change.Request {
		return change.Request{Action: "restart", Positional: []string{unit}, Selector: sel, Reason: reason}
	}
	web := "team=" + text("web")
	approve(t0.Add(-3*24*h), req(t0.Add(-3*24*h), restart("nginx", web, "config change"))) // before the 24 h
	approve(t0.Add(-6*h+5*time.Minute), req(t0.Add(-6*h), restart("nginx", web, "config change")))
	approve(t0.Add(-4*h+5*time.Minute), req(t0.Add(-4*h), restart("app", web, "new release"))) // fails on web-2
	req(t0.Add(-1*h), restart("nginx", "web-1", text("stuck workers")))
	upgrade := restart("postgresql", "db-1", "minor upgrade")
	upgrade.At, upgrade.For = "2026-03-11 02:00", time.Hour
	approve(t0.Add(-30*time.Minute), req(t0.Add(-40*time.Minute), upgrade))
	f.prom.noisy = []promapi.Sample{
		{Labels: map[string]string{"alertname": text("HighCPU")}, Value: 4},
		{Labels: map[string]string{"alertname": text("DiskFull")}, Value: 2},
		{Labels: map[string]string{"alertname": "CheckoutLatencyHigh"}, Value: 1},
	}
	for i := 1; i <= 6; i++ {
		v := 1.0
		if i == 4 {
			v = 0
		}
		f.prom.up = append(f.prom.up, promapi.Sample{Labels: map[string]string{"job": "node", "instance": text(fmt.Sprintf("web-%d:9100", i))}, Value: v})
	}
	f.prom.history = []float64{3, 1, 0, 2, 5, 1, 0, 0, 4, 2, 1, 3, 6, 3}
	for _, sev := range []string{"critical", "critical", "warning", "warning", "warning", ""} {
		l := map[string]string{"alertname": text("HighCPU")}
		if sev != "" {
			l["severity"] = text(sev)
		}
		f.am.alerts = append(f.am.alerts, alertmanager.GettableAlert{Labels: l})
	}
}

// fakeRunner succeeds everywhere except app on web-2.
type fakeRunner struct{}

func (fakeRunner) RunMany(_ context.Context, targets []sshexec.Target, cmd sshexec.Command, _ sshexec.FanoutOptions) sshexec.FanoutResult {
	var res sshexec.FanoutResult
	for _, t := range targets {
		r := sshexec.Result{Target: t, Stdout: "ok", Duration: 300 * time.Millisecond}
		if t.Name == "web-2" && strings.Contains(strings.Join(cmd.Argv, " "), "app") {
			r = sshexec.Result{Target: t, ExitStatus: 1, Stderr: "Job for app.service failed.", Err: fmt.Errorf("exit status 1")}
			res.Failed++
		} else {
			res.Succeeded++
		}
		res.Results = append(res.Results, r)
	}
	res.Duration = 2 * time.Second
	return res
}

// fakeProm answers the summary's queries from what the test set: up,
// the noisiest alerts (topk) and alerts per day (the range query), or
// fails with err.
type fakeProm struct {
	mu      sync.Mutex
	up      []promapi.Sample
	noisy   []promapi.Sample
	history []float64
	err     error
	// queries are the PromQL asked, in no particular order.
	queries []string
}

func (p *fakeProm) Query(_ context.Context, q string, _ time.Time) (promapi.Result, []string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, q)
	if p.err != nil {
		return promapi.Result{}, nil, p.err
	}
	if strings.HasPrefix(q, "topk(") {
		return promapi.Result{Type: promapi.ResultVector, Samples: p.noisy}, nil, nil
	}
	return promapi.Result{Type: promapi.ResultVector, Samples: p.up}, nil, nil
}

func (p *fakeProm) QueryRange(_ context.Context, q string, start, _ time.Time, step time.Duration) ([]promapi.Series, []string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, q)
	if p.err != nil {
		return nil, nil, p.err
	}
	var pts []promapi.Point
	for i, v := range p.history {
		pts = append(pts, promapi.Point{T: start.Add(time.Duration(i) * step), V: v})
	}
	return []promapi.Series{{Labels: map[string]string{}, Points: pts}}, nil, nil
}

func (p *fakeProm) URL() string { return "http://prometheus.test:9090" }

// fakeAM lists the alerts the test set, or fails with err.
type fakeAM struct {
	mu      sync.Mutex
	alerts  []alertmanager.GettableAlert
	err     error
	filters []alertmanager.AlertFilter
}

func (a *fakeAM) ListAlerts(_ context.Context, f alertmanager.AlertFilter) ([]alertmanager.GettableAlert, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.filters = append(a.filters, f)
	return a.alerts, a.err
}

func (a *fakeAM) CreateSilence(context.Context, alertmanager.Silence) (string, error) { return "", nil }
func (a *fakeAM) ExpireSilence(context.Context, string) error                         { return nil }
func (a *fakeAM) ListSilences(context.Context, []alertmanager.Matcher) ([]alertmanager.Silence, error) {
	return nil, nil
}
func (a *fakeAM) URL() string { return "http://alertmanager.test:9093" }

// fakeDraw "draws" the chart as the text of its series, so tests read
// what it would show.
func fakeDraw(o chart.Options, series []chart.Series) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", o.Title)
	for _, s := range series {
		fmt.Fprintf(&b, "%s:", s.Name)
		for _, p := range s.Points {
			fmt.Fprintf(&b, " %s=%g", p.T.UTC().Format("01-02T15"), p.V)
		}
		b.WriteString("\n")
	}
	return []byte(b.String()), nil
}
