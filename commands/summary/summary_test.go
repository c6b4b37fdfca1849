package summary

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/internal/testkit"
)

// provider is a SummaryProvider that answers with what it was given, or
// panics, or waits for its context to end.
type provider struct {
	sec   *bot.SummarySection
	err   error
	panic bool
	hang  bool
	got   bot.SummaryRequest
}

func (p *provider) SummarySection(ctx context.Context, r bot.SummaryRequest) (*bot.SummarySection, error) {
	p.got = r
	switch {
	case p.panic:
		panic("section exploded")
	case p.hang:
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return p.sec, p.err
}

func newService(t *testing.T, cfg Config, chat Chat, sources ...Source) (*Service, *testkit.Clock) {
	t.Helper()
	clock := testkit.NewClock(t0)
	s, err := New(cfg, Deps{Chat: chat, Sources: sources, Clock: clock.Now, Draw: fakeDraw, SectionTimeout: 50 * time.Millisecond,
		Panics: bot.NewPanics(prometheus.NewRegistry(), slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	return s, clock
}

func blocksText(t testing.TB, m bot.Message) string {
	t.Helper()
	return m.Text + "\n" + string(mustJSON(t, m.Blocks))
}

// Given sources that fail, panic, hang, have nothing to say or answer,
// when the summary is built, then each that could not be read is one
// line naming it, the others' sections stand, in the sources' order, and
// the one with nothing to say is left out.
func TestSourceDownIsOneLineAndTheRestStands(t *testing.T) {
	ok := &provider{sec: &bot.SummarySection{Title: "Incidents", Text: "*Last 24 h*: 2 opened"}}
	later := &provider{sec: &bot.SummarySection{Title: "Changes", Text: "*Pending approval*: 1"}}
	s, clock := newService(t, nil, testkit.NewChat(),
		Source{"oncall", &provider{}},
		Source{"incident", ok},
		Source{"monitor", &provider{err: bot.Unavailable("Prometheus", errors.New("dial tcp: refused"))}},
		Source{"inventory", &provider{panic: true}},
		Source{"asset", &provider{hang: true}},
		Source{"change", later})

	b := s.Build(context.Background(), Summary{}, clock.Now(), occasion{}, true)

	text := blocksText(t, b.Message)
	for _, want := range []string{
		"*Incidents*\\n*Last 24 h*: 2 opened", "*Changes*\\n*Pending approval*: 1",
		":warning: `monitor` could not be read: Prometheus is unavailable",
		":warning: `inventory` could not be read: internal error",
		":warning: `asset` could not be read: it did not answer within 50ms",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "*Incidents*") > strings.Index(text, "*Changes*") {
		t.Errorf("sections out of the sources' order:\n%s", text)
	}
	if strings.Contains(text, "oncall") || strings.Contains(text, "dial tcp") {
		t.Errorf("the silent source or an error's detail shows:\n%s", text)
	}
	if b.Chart != nil {
		t.Errorf("a chart without counts per day")
	}
	if got := ok.got; !got.Now.Equal(t0) || len(got.Days) != ChartDays || !got.Days[ChartDays-1].Add(24*time.Hour).Equal(t0) {
		t.Errorf("request = now %v, days %v", got.Now, got.Days)
	}
}

// The chart is drawn from the sections' counts per day, each on the
// request's days, beside a posted summary; a private answer leaves it
// out and says where it comes.
func TestChartGoesBesideThePost(t *testing.T) {
	values := make([]float64, ChartDays)
	values[ChartDays-1] = 4
	sec := &provider{sec: &bot.SummarySection{Title: "Incidents", Text: "x", Series: []bot.SummarySeries{{Name: "incidents opened", Values: values}}}}
	chat := testkit.NewChat()
	s, clock := newService(t, Config{{Channel: "C0OPS"}}, chat, Source{"incident", sec})

	if err := s.Post(context.Background(), s.cfg[0], clock.Now(), occasion{}); err != nil {
		t.Fatal(err)
	}
	posts, files := chat.Posted("C0OPS"), chat.Uploads()
	if len(posts) != 1 || len(files) != 1 || files[0].Channel != "C0OPS" || files[0].Thread != "" {
		t.Fatalf("posts %v, uploads %v: want the summary and its chart beside it in C0OPS", posts, files)
	}
	if got := string(files[0].File.Content); !strings.Contains(got, "incidents opened:") || !strings.HasSuffix(strings.TrimSpace(got), "03-10T08=4") {
		t.Errorf("chart = %q", got)
	}
	if text := blocksText(t, posts[0].Msg); !strings.Contains(text, "The chart beside this") {
		t.Errorf("post does not mention its chart:\n%s", text)
	}

	private := s.Build(context.Background(), s.cfg[0], clock.Now(), occasion{}, false)
	if private.Chart != nil || !strings.Contains(blocksText(t, private.Message), "`summary now here`") {
		t.Errorf("private summary: chart %v, text %s", private.Chart != nil, blocksText(t, private.Message))
	}
}

// summary now answers privately; here posts it in the channel with its
// chart, for responders; a summary name picks among several, and a
// wrong one is answered with the nearest.
func TestSummaryNow(t *testing.T) {
	sec := &provider{sec: &bot.SummarySection{Title: "Incidents", Text: "x", Series: []bot.SummarySeries{{Name: "n", Values: make([]float64, ChartDays)}}}}
	s, _ := newService(t, Config{{Name: "payments", Channel: "C0PAY", Selector: "team=payments"}, {Name: "web", Channel: "C0WEB"}}, testkit.NewChat(), Source{"incident", sec})
	r := testkit.Router(t, map[string]string{"U1ALICE": "responder"}, s)
	do := func(user, text string) (*bot.Reply, error) {
		return r.Dispatch(context.Background(), &bot.Request{UserID: user, Channel: "C1", Text: text, Trigger: bot.TriggerSlash})
	}

	rep, err := do("U9VIEWER", "summary now payments")
	if err != nil || rep.Visibility != bot.VisibleToRequester || rep.File != nil || !strings.Contains(blocksText(t, bot.Message{Text: rep.Text, Blocks: rep.Blocks}), "Health summary: payments") {
		t.Fatalf("summary now payments = %+v, %v", rep, err)
	}
	if sec.got.Selector != "team=payments" {
		t.Errorf("the section was asked for %q", sec.got.Selector)
	}
	if rep, err = do("U1ALICE", "summary now web here"); err != nil || rep.Visibility != bot.VisibleInChannel || rep.File == nil {
		t.Errorf("summary now web here = %+v, %v: want it in the channel with its chart", rep, err)
	}
	if _, err := do("U9VIEWER", "summary now web here"); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("a viewer posted in the channel: %v", err)
	}
	if _, err := do("U9VIEWER", "summary now"); bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(bot.UserMessage(err), "payments, web") {
		t.Errorf("no name among several: %v", err)
	}
	if _, err := do("U9VIEWER", "summary now paymnets"); bot.ErrorCode(err) != bot.CodeNotFound || !strings.Contains(bot.UserMessage(err), "did you mean payments") {
		t.Errorf("a misspelt name: %v", err)
	}
}

// Each configured summary is a job, daily-summary or summary-<name>; a
// run that comes late after downtime says so, and one run by hand says
// by whom.
func TestSummaryJobs(t *testing.T) {
	chat := testkit.NewChat()
	s, clock := newService(t, Config{{Channel: "C0OPS", Zone: "Europe/Berlin"}, {Name: "db", Channel: "C0DB", Schedule: "0 9 * * 1-5"}}, chat,
		Source{"incident", &provider{sec: &bot.SummarySection{Title: "Incidents", Text: "x"}}})
	jobs := s.Jobs()
	if len(jobs) != 2 || jobs[0].Name != "daily-summary" || jobs[0].Schedule != DefaultSchedule || jobs[0].Zone != "Europe/Berlin" ||
		jobs[1].Name != "summary-db" || jobs[1].Schedule != "0 9 * * 1-5" {
		t.Fatalf("jobs = %+v", jobs)
	}
	if err := jobs[0].Run(context.Background(), bot.JobRun{Due: clock.Now().Add(-2 * time.Hour), Missed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := jobs[1].Run(context.Background(), bot.JobRun{Due: clock.Now(), By: "U0ADMIN"}); err != nil {
		t.Fatal(err)
	}
	if err := jobs[1].Run(context.Background(), bot.JobRun{Due: clock.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	late, byHand, onTime := blocksText(t, chat.Posted("C0OPS")[0].Msg), blocksText(t, chat.Posted("C0DB")[0].Msg), blocksText(t, chat.Posted("C0DB")[1].Msg)
	if !strings.Contains(late, "while opsbot was down, so it comes late (and stands in for 1 more missed)") {
		t.Errorf("late run does not say so:\n%s", late)
	}
	if !strings.Contains(byHand, "run by <@U0ADMIN>") || strings.Contains(byHand, "comes late") {
		t.Errorf("run by hand:\n%s", byHand)
	}
	if strings.Contains(onTime, "comes late") || strings.Contains(onTime, "run by") {
		t.Errorf("run on time:\n%s", onTime)
	}
}

// A chat that refuses the post fails the job with the reason; one that
// refuses the chart says the summary went out without it.
func TestSummaryPostFailures(t *testing.T) {
	chat := testkit.NewChat()
	sec := &provider{sec: &bot.SummarySection{Title: "Incidents", Text: "x", Series: []bot.SummarySeries{{Name: "n", Values: make([]float64, ChartDays)}}}}
	s, clock := newService(t, Config{{Channel: "C0OPS"}}, chat, Source{"incident", sec})
	chat.Fail = func(method, _ string) error {
		if method == "upload" {
			return errors.New("not_in_channel")
		}
		return nil
	}
	err := s.Post(context.Background(), s.cfg[0], clock.Now(), occasion{})
	if err == nil || !strings.Contains(err.Error(), "is posted, its chart is not: not_in_channel") {
		t.Errorf("chart refused: %v", err)
	}
	chat.Fail = func(string, string) error { return errors.New("channel_not_found") }
	if err := s.Post(context.Background(), s.cfg[0], clock.Now(), occasion{}); err == nil || !strings.Contains(err.Error(), "C0OPS: channel_not_found") {
		t.Errorf("post refused: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{{Channel: "C1"}, {Channel: "C2"}}, "[1].name: summary [0] has no name either"},
		{Config{{Name: "a", Channel: "C1"}, {Name: "a", Channel: "C2"}}, `[1].name: "a" is the name of summary [0] too`},
		{Config{{Name: "Payments!", Channel: "C1"}}, "[0].name:"},
		{Config{{Channel: "C1", Schedule: "every day"}}, "[0].schedule: schedule \"every day\""},
		{Config{{Channel: "C1", Zone: "Mars/Olympus"}}, "[0].zone: zone \"Mars/Olympus\" is not a known IANA time zone"},
		{Config{{}}, "[0].channel: say where the summary goes"},
		{Config{{Channel: "C1", Selector: "team"}}, "[0].selector: \"team\": write labels as key=value pairs"},
	} {
		err := errors.Join(tc.cfg.Validate()...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if errs := (Config{{Channel: "C1", Selector: "team=web, env=prod", Schedule: "@every 6h", Zone: "UTC"}, {Name: "db", Channel: "C2"}}).Validate(); len(errs) > 0 {
		t.Errorf("valid config refused: %v", errs)
	}
}

// A summary with a selector asks Prometheus and Alertmanager for what
// carries its labels, and counts only the changes with a host that
// does; sections without labels (incidents, on-call) are as they are.
func TestSelectorNarrowsTheSections(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.seed(t, identity)
	s := f.service(t, Config{{Name: "db", Channel: "C0DB", Selector: "team=db"}})

	text := blocksText(t, s.Build(context.Background(), s.cfg[0], f.clock.Now(), occasion{}, false).Message)

	if !strings.Contains(text, "· for `team=db`") {
		t.Errorf("the summary does not say whom it is for:\n%s", text)
	}
	_, changes, _ := strings.Cut(text, "*Changes*")
	if !strings.Contains(changes, "*Last 24 h*: 0 done, 0 failed, 0 partially failed") || !strings.Contains(changes, "*Pending approval*: 0") ||
		!strings.Contains(changes, "*CHG-5* restart unit=postgresql on db-1") || strings.Contains(changes, "CHG-3") {
		t.Errorf("changes not narrowed to team=db's hosts:\n%s", changes)
	}
	if !strings.Contains(text, "*Last 24 h*: 3 opened, 1 resolved") {
		t.Errorf("incidents were narrowed:\n%s", text)
	}
	queries := strings.Join(f.prom.queries, "\n")
	for _, want := range []string{`up{team="db"}`, `ALERTS{alertstate="firing",team="db"}[24h]`, `ALERTS{alertstate="firing",team="db"}[1d]`} {
		if !strings.Contains(queries, want) {
			t.Errorf("no query with %s:\n%s", want, queries)
		}
	}
	if len(f.am.filters) != 1 || alertmanagerMatchers(f.am.filters[0]) != `{team="db"}` || !f.am.filters[0].ExcludeSilenced || !f.am.filters[0].ExcludeInhibited {
		t.Errorf("Alertmanager asked with %+v", f.am.filters)
	}
}

// With Prometheus down, monitoring says so in one line and still counts
// the alerts firing from Alertmanager; the chart keeps the incidents.
func TestPrometheusDownIsOneLine(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.seed(t, identity)
	f.prom.err = errors.New("dial tcp 127.0.0.1:9090: connect: connection refused")
	s := f.service(t, Config{{Channel: "C0OPS"}})

	b := s.Build(context.Background(), s.cfg[0], f.clock.Now(), occasion{}, true)

	_, mon, _ := strings.Cut(blocksText(t, b.Message), "*Monitoring*")
	mon, _, _ = strings.Cut(mon, `"}}`)
	if want := ":warning: could not reach Prometheus at http://prometheus.test:9090; is it running? (so targets, the noisiest alerts and alerts per day are missing)\n*Firing now*: 6 (2 critical, 3 warning, 1 no severity)"; !strings.HasPrefix(strings.TrimPrefix(mon, `\n`), strings.ReplaceAll(want, "\n", `\n`)) {
		t.Errorf("monitoring with Prometheus down:\n%s", mon)
	}
	if b.Chart == nil || !strings.Contains(string(b.Chart.Content), "incidents opened:") || strings.Contains(string(b.Chart.Content), "alerts firing") {
		t.Errorf("chart = %q", b.Chart)
	}
}
