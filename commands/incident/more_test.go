package incident_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/golden"
	"opsbot/commands/incident"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/internal/testkit"
)

func TestOpenRoundTrips(t *testing.T) {
	srv, c := start(t)
	client := srv.Client(t)
	rt := &testkit.RoundTrips{}
	client.AddHook(rt)
	ctx := context.Background()
	// Load the scripts first: a cold EVALSHA costs one more (NOSCRIPT, EVAL).
	warm := newEnvOn(t, redisstore.New(client, "t"), c, opts{})
	warm.ok(t, "U1ALICE", "incident open sev4 warm up")
	warm.ok(t, "U1ALICE", "incident open sev1 warm up")

	tests := []struct {
		cmd  string
		want int64
		why  string
	}{
		{"incident open sev4 disk filling", 3, "INCR, open script, message refs"},
		{"incident open sev2 api errors", 3, "the status reminder step is pipelined with the message refs"},
		{"incident open sev1 site down", 3, "the page is recorded with the message refs; the fake pager uses no Redis"},
	}
	for _, tt := range tests {
		rt.Reset()
		if _, err := warm.do(t, "U1ALICE", "CSRE", "", tt.cmd); err != nil {
			t.Fatal(err)
		}
		if got := rt.Count(); got != tt.want {
			t.Errorf("%s: %d round trips, want %d (%s)", tt.cmd, got, tt.want, tt.why)
		}
	}
	_ = ctx

	// With the real on-call desk, paging adds its own round trips: who is
	// on call (overrides), the page's number, the page with its escalation
	// step (one pipeline), and one per DM sent.
	oc, err := oncall.New(oncall.Config{
		Schedules: []oncall.ScheduleConfig{{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U3CAROL"}, Shift: "1w",
			Handoff: "monday 09:00", Start: "2026-03-09"}},
	}, oncall.Deps{Store: redisstore.New(client, "t"), Chat: testkit.NewChat(), Steps: warm.loop, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	real, err := incident.New(cfg, incident.Deps{Store: redisstore.New(client, "t"), Chat: testkit.NewChat(), Steps: warm.loop, Pager: oc, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	open := func() int64 {
		rt.Reset()
		if _, err := real.Open(ctx, incident.OpenRequest{Title: "site down", Severity: 1, Reporter: "U1ALICE", Channel: "CSRE"}); err != nil {
			t.Fatal(err)
		}
		return rt.Count()
	}
	open() // warm the on-call scripts
	if got := open(); got != 7 {
		t.Errorf("sev1 paging one person through oncall: %d round trips, want 7 (3 of the desk's, 4 of paging)", got)
	}
}

func TestStatusReminders(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev1 payments failing") // sev1: an update every 30m
	msgTS := e.chat.Posted("CSRE")[0].TS
	reminders := func() []testkit.Post {
		var out []testkit.Post
		for _, p := range e.chat.All() {
			if strings.Contains(p.Msg.Text, "is due a status update") {
				out = append(out, p)
			}
		}
		return out
	}
	c.Add(29 * time.Minute)
	e.loop.Tick(context.Background())
	if n := len(reminders()); n != 0 {
		t.Fatalf("%d reminders before an update was due", n)
	}
	c.Add(time.Minute)
	e.loop.Tick(context.Background())
	r := reminders()
	if len(r) != 1 || r[0].Channel != "CSRE" || r[0].Thread != msgTS || !strings.Contains(r[0].Msg.Text, "There is no commander yet") {
		t.Fatalf("reminder without a commander = %+v", r)
	}
	e.ok(t, "U2BOB", "incident role INC-1 commander me")
	c.Add(10 * time.Minute) // 40m
	e.ok(t, "U2BOB", "incident status INC-1 card processor contacted")
	c.Add(20 * time.Minute) // 60m: the last update was 20m ago
	e.loop.Tick(context.Background())
	if n := len(reminders()); n != 1 {
		t.Fatalf("reminded %d times while updates were on time", n)
	}
	c.Add(10 * time.Minute) // 70m: 30m since the update
	e.loop.Tick(context.Background())
	r = reminders()
	if len(r) != 2 || r[1].Channel != "U2BOB" || !strings.Contains(r[1].Msg.Text, "INC-1 (SEV1) is due a status update: the last was 30m ago, and SEV1 incidents get one every 30m.") {
		t.Fatalf("reminder to the commander = %+v", r)
	}
	e.ok(t, "U2BOB", "incident resolve INC-1")
	c.Add(2 * time.Hour)
	e.loop.Tick(context.Background())
	if n := len(reminders()); n != 2 {
		t.Fatalf("reminded about a resolved incident")
	}
}

func TestMetrics(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	other := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev2 a")
	e.ok(t, "U1ALICE", "incident open sev2 b")
	e.ok(t, "U1ALICE", "incident open sev3 c")
	c.Add(3 * time.Minute)
	e.ok(t, "U1ALICE", "incident ack INC-1")
	other.ok(t, "U1ALICE", "incident resolve INC-2")
	other.ok(t, "U1ALICE", "incident sev INC-3 sev1")
	// Both replicas report the same truth, whoever made the changes.
	for _, r := range []*env{e, other} {
		if got := openGauge(t, r); got != "sev1=1 sev2=1 sev3=0 sev4=0" {
			t.Errorf("opsbot_incidents_open = %s", got)
		}
	}
	if got := histSum(t, e, "opsbot_incident_time_to_acknowledge_seconds"); got != 180 {
		t.Errorf("time to acknowledge = %vs, want 180", got)
	}
	if got := histSum(t, other, "opsbot_incident_time_to_resolve_seconds"); got != 180 {
		t.Errorf("time to resolve = %vs, want 180", got)
	}
}

func openGauge(t *testing.T, e *env) string {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if mf.GetName() == "opsbot_incidents_open" {
			for _, m := range mf.GetMetric() {
				out = append(out, fmt.Sprintf("%s=%g", m.GetLabel()[0].GetValue(), m.GetGauge().GetValue()))
			}
		}
	}
	return strings.Join(out, " ")
}

func histSum(t *testing.T, e *env, name string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetHistogram().GetSampleSum()
			}
			return sum
		}
	}
	return -1
}

func TestList(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev2 api errors")  // 1
	e.ok(t, "U2BOB", "incident open sev1 site down")     // 2
	e.ok(t, "U2BOB", "incident open sev2 slow search")   // 3
	e.ok(t, "U1ALICE", "incident open sev4 cert expiry") // 4
	c.Add(90 * time.Minute)
	e.ok(t, "U2BOB", "incident resolve INC-1 restarted")
	e.ok(t, "U2BOB", "incident role INC-4 commander me")
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"*Open incidents: 3*", "INC-4* SEV4 · cert expiry · opened 1h 30m ago · commander <@U2BOB>", "INC-3", "INC-2* SEV1 · site down · opened 1h 30m ago · *not acknowledged*"}},
		{"resolved", []string{"*Resolved incidents: 1*", "INC-1* SEV2 · api errors · opened 1h 30m ago · resolved after 1h 30m"}},
		{"all sev2", []string{"*SEV2 incidents: 2*", "INC-3", "INC-1"}},
		{"mine", []string{"*Open incidents you're in: 1*", "INC-4"}},
		{"all mine sev2", []string{"*SEV2 incidents you're in: 1*", "INC-1"}},
		{"sev3", []string{"No open SEV3 incidents."}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			got := e.ok(t, "U1ALICE", "incident list "+tt.filter)
			last := -1
			for _, w := range tt.want {
				i := strings.Index(got, w)
				if i < 0 || i < last {
					t.Fatalf("list %q =\n%s\nwant, in order: %q", tt.filter, got, tt.want)
				}
				last = i
			}
			if lines := strings.Count(got, "\n"); lines != len(tt.want)-1 {
				t.Errorf("list %q has %d incidents, want %d:\n%s", tt.filter, lines, len(tt.want)-1, got)
			}
		})
	}
	home, err := e.svc.HomeSection(context.Background(), "U2BOB")
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertJSON(t, "TestList/home-bob.json", slack.Blocks{BlockSet: home})
}

// go test ./commands/incident -run TestPostmortem -update
func TestPostmortem(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	o, err := e.svc.Open(context.Background(), incidentOpen("Checkout latency | p99 above 2s", "sev1", "U1ALICE", "CSRE"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Incident.ID() != "INC-1" {
		t.Fatal(o.Incident.ID())
	}
	c.Add(3*time.Minute + 20*time.Second)
	e.svc.AcknowledgeFromPage(context.Background(), "INC-1", "U3CAROL")
	c.Add(time.Minute)
	e.ok(t, "U2BOB", "incident role INC-1 commander me")
	e.ok(t, "U2BOB", "incident note INC-1 db-main connection pool exhausted")
	e.ok(t, "U2BOB", "incident link INC-1 chg-7")
	c.Add(20 * time.Minute)
	e.ok(t, "U2BOB", "incident status INC-1 pool size raised, latency recovering")
	e.ok(t, "U1ALICE", "incident note INC-1 follow-up: alert on pool saturation")
	c.Add(17 * time.Minute)
	e.ok(t, "U2BOB", "incident resolve INC-1 raised pool size from 20 to 80")
	e.ok(t, "U2BOB", "incident note INC-1 TODO: load-test checkout with 4x traffic")
	rep, err := e.do(t, "U3CAROL", "CSRE", "", "incident postmortem INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if rep.File == nil || rep.File.Name != "INC-1-postmortem.md" || rep.Text != "Postmortem draft of INC-1 attached." {
		t.Fatalf("postmortem reply = %+v", rep)
	}
	golden.Assert(t, "TestPostmortem/INC-1-postmortem.md", rep.File.Content)
}

func TestForms(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	rep, err := e.do(t, "U1ALICE", "CSRE", "", "incident new")
	if err != nil || rep.View == nil || rep.View.CallbackID != "incident.new" || rep.View.PrivateMetadata != "CSRE" {
		t.Fatalf("incident new = %+v, %v", rep, err)
	}
	golden.AssertJSON(t, "TestForms/new-view.json", rep.View)
	submit := func(user, callback, meta string, values map[string]string) (*bot.Reply, error) {
		v := map[string]map[string]string{}
		for k, val := range values {
			v[k] = map[string]string{k: val}
		}
		return e.router.Dispatch(context.Background(), &bot.Request{UserID: user, Trigger: bot.TriggerView,
			View: &bot.ViewSubmission{CallbackID: callback, PrivateMetadata: meta, Values: v}})
	}
	rep, err = submit("U1ALICE", "incident.new", "CSRE", map[string]string{"title": "", "severity": "sev9"})
	if err != nil || rep.ViewErrors["title"] == "" || rep.ViewErrors["severity"] != "choose sev1 (worst) to sev4" {
		t.Fatalf("bad form = %+v, %v", rep, err)
	}
	rep, err = submit("U1ALICE", "incident.new", "CSRE", map[string]string{"title": "Checkout <fails> for EU cards", "severity": "sev2",
		"description": "Since 08:40 about 30% of EU card payments fail with *timeout*.", "services": "checkout, payments-gw"})
	if err != nil || rep.Text != "Opened INC-1 (SEV2)." {
		t.Fatalf("submit = %+v, %v", rep, err)
	}
	golden.AssertJSON(t, "TestForms/opened-with-form.json", slack.Blocks{BlockSet: e.message(t).Blocks})

	// Add note: the button opens a form for that incident.
	rep, err = e.click(t, "U2BOB", "incident.note", "INC-1")
	if err != nil || rep.View == nil || rep.View.PrivateMetadata != "INC-1" {
		t.Fatalf("note button = %+v, %v", rep, err)
	}
	if rep, _ = submit("U2BOB", "incident.note", "INC-1", map[string]string{"note": " "}); rep == nil || rep.ViewErrors["note"] == "" {
		t.Fatalf("empty note accepted: %+v", rep)
	}
	if _, err = submit("U2BOB", "incident.note", "INC-1", map[string]string{"note": "EU acquirer confirms an outage"}); err != nil {
		t.Fatal(err)
	}
	// I'm commander, then Resolve, by button; the message follows.
	if rep, err = e.click(t, "U2BOB", "incident.commander", "INC-1"); err != nil || rep != nil {
		t.Fatalf("commander click = %+v, %v", rep, err)
	}
	if rep, err = e.click(t, "U2BOB", "incident.commander", "INC-1"); err != nil || !strings.HasPrefix(rep.Text, "<@U2BOB> is already commander of INC-1.") {
		t.Fatalf("second commander click = %+v, %v", rep, err)
	}
	if _, err = e.click(t, "U2BOB", "incident.resolve", "INC-1"); err != nil {
		t.Fatal(err)
	}
	if m := e.message(t); !strings.Contains(m.Text, "resolved by <@U2BOB>") {
		t.Errorf("message after the resolve button = %q", m.Text)
	}
	if tl := e.timeline(t, "INC-1"); !strings.Contains(tl, "noted: EU acquirer confirms an outage") || !strings.Contains(tl, "made <@U2BOB> commander") {
		t.Errorf("timeline =\n%s", tl)
	}
}

// The console runs on an embedded miniredis: the scripts must work there.
func TestOnMiniredis(t *testing.T) {
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	c := testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
	e := newEnvOn(t, redisstore.New(client, "t"), c, opts{})
	e.ok(t, "U1ALICE", "incident open sev1 db down")
	e.ok(t, "U2BOB", "incident ack INC-1")
	e.ok(t, "U2BOB", "incident sev INC-1 sev2")
	e.ok(t, "U2BOB", "incident role INC-1 commander me")
	e.ok(t, "U2BOB", "incident resolve INC-1 fixed")
	if got := e.ok(t, "U2BOB", "incident list all mine"); !strings.Contains(got, "INC-1* SEV2 · db down") {
		t.Fatalf("list on miniredis = %q", got)
	}
	if tl := e.timeline(t, "INC-1"); strings.Count(tl, "\n") != 6 {
		t.Fatalf("timeline on miniredis =\n%s", tl)
	}
}

func TestRedisDownSaysSo(t *testing.T) {
	srv, c := start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	e := newEnvOn(t, redisstore.New(client, "t"), c, opts{})
	e.ok(t, "U1ALICE", "incident open sev3 x")
	srv.Kill()
	for _, cmd := range []string{"incident open sev3 y", "incident ack INC-1", "incident list"} {
		if got := e.fails(t, bot.CodeUnavailable, "U1ALICE", cmd); got != "the state store is unavailable, try again in a moment" {
			t.Errorf("%s: %q", cmd, got)
		}
	}
}

// TestAckBeforeTheMessageIsRecorded: the paged person acknowledges from
// the DM before the incident's message ts is stored; the message must
// still end up showing the acknowledgement.
func TestAckBeforeTheMessageIsRecorded(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.pager.paged = func(ref string) {
		e.svc.AcknowledgeFromPage(context.Background(), ref, "U3CAROL")
	}
	e.ok(t, "U1ALICE", "incident open sev1 site down")
	posts := e.chat.Posted("CSRE")
	if len(posts) == 0 {
		t.Fatal("no incident message posted")
	}
	last := e.chat.Last("CSRE", posts[0].TS)
	if !strings.Contains(last.Text, "acknowledged by <@U3CAROL>") {
		t.Errorf("the message does not show the acknowledgement:\n%s", messageJSON(t, last))
	}
}

func messageJSON(t *testing.T, m bot.Message) string {
	t.Helper()
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	return m.Text + string(b)
}
