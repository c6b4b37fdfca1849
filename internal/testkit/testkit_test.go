package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/integrations/redisstore/redistest"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	c.Add(90 * time.Minute)
	if got := c.Now(); !got.Equal(t0.Add(90 * time.Minute)) {
		t.Errorf("Now = %v", got)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Error("Set did not move the clock")
	}
}

func TestClockSleepMovesTheClock(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	ctx, cancel := context.WithCancel(context.Background())
	for _, d := range []time.Duration{time.Second, 0, -time.Second, 2 * time.Second} {
		if err := c.Sleep(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Now(); !got.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("Now after sleeping 1s, 0, -1s, 2s = %v, want t0+3s", got)
	}
	if got, want := c.Slept(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("Slept = %v, want %v", got, want)
	}
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on an ended context = %v", err)
	}
	if got := c.Now(); !got.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("a refused sleep moved the clock to %v", got)
	}
}

func TestDeduperOnce(t *testing.T) {
	var d Deduper
	ctx := context.Background()
	for i, want := range []bool{true, false, false} {
		if got, err := d.Once(ctx, "env-1", time.Minute); err != nil || got != want {
			t.Errorf("Once #%d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if got, _ := d.Once(ctx, "env-2", time.Minute); !got {
		t.Error("another key was taken as seen")
	}
}

// desk is a domain offering one of each part of the contract the router
// and the step loop mount.
type desk struct{ verb string }

func (d desk) Groups() map[string]string { return map[string]string{"desk": "the test desk"} }

func (d desk) Commands() []bot.Command {
	return []bot.Command{{Verb: d.verb, Role: bot.RoleResponder, Handler: func(_ context.Context, req *bot.Request) (*bot.Reply, error) {
		return &bot.Reply{Text: "ran as " + req.Role.String()}, nil
	}}}
}

func (d desk) Actions() []bot.Route {
	return []bot.Route{{ID: "desk.ok", Role: bot.RoleViewer, Handler: func(context.Context, *bot.Request) (*bot.Reply, error) {
		return &bot.Reply{Text: "clicked"}, nil
	}}}
}

func (d desk) Views() []bot.Route {
	return []bot.Route{{ID: "desk.form", Role: bot.RoleAdmin, Handler: func(context.Context, *bot.Request) (*bot.Reply, error) {
		return &bot.Reply{Text: "submitted"}, nil
	}}}
}

func (d desk) Steps() map[string]bot.StepFunc {
	return map[string]bot.StepFunc{"desk.b": nil, "desk.a": nil}
}

func TestRouterMountsDomainsBehindRBAC(t *testing.T) {
	r := Router(t, map[string]string{"UALICE": "responder", "UROOT": "admin"}, desk{"desk run"})
	ctx := context.Background()
	rep, err := r.Dispatch(ctx, &bot.Request{UserID: "UALICE", Text: "desk run"})
	if err != nil || rep.Text != "ran as responder" {
		t.Errorf("command as a responder: %+v, %v", rep, err)
	}
	if _, err := r.Dispatch(ctx, &bot.Request{UserID: "UNOBODY", Text: "desk run"}); bot.ErrorCode(err) != bot.CodeForbidden ||
		!strings.Contains(bot.UserMessage(err), "you are a viewer") {
		t.Errorf("command as someone unlisted: %v, want refused as a viewer", err)
	}
	if rep, err := r.Dispatch(ctx, &bot.Request{UserID: "UNOBODY", Action: &bot.Action{ID: "desk.ok"}}); err != nil || rep.Text != "clicked" {
		t.Errorf("action: %+v, %v", rep, err)
	}
	if _, err := r.Dispatch(ctx, &bot.Request{UserID: "UALICE", View: &bot.ViewSubmission{CallbackID: "desk.form"}}); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("view as a responder: %v, want refused", err)
	}
	if rep, err := r.Dispatch(ctx, &bot.Request{UserID: "UROOT", View: &bot.ViewSubmission{CallbackID: "desk.form"}}); err != nil || rep.Text != "submitted" {
		t.Errorf("view as an admin: %+v, %v", rep, err)
	}
}

// recorder is a testing.TB that notes a failure instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatal(args ...any)                 { r.failed = fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestRouterFailsOnACollision(t *testing.T) {
	rec := &recorder{TB: t}
	Router(rec, nil, desk{"desk run"}, desk{"desk walk"})
	if !strings.Contains(rec.failed, "collision") {
		t.Errorf("two domains with one action id: failure %q, want a collision", rec.failed)
	}
}

func TestStepsRegistersEveryKind(t *testing.T) {
	type handler func(ctx context.Context, id, payload string) error
	var kinds []string
	handle := func(kind string, _ handler) error {
		if slices.Contains(kinds, kind) {
			return errors.New("step kind " + kind + " is taken")
		}
		kinds = append(kinds, kind)
		return nil
	}
	Steps(t, handle, desk{}, "not a domain")
	if want := []string{"desk.a", "desk.b"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	rec := &recorder{TB: t}
	Steps(rec, handle, desk{})
	if !strings.Contains(rec.failed, "taken") {
		t.Errorf("a kind offered twice: failure %q", rec.failed)
	}
}

func TestLiveMarkup(t *testing.T) {
	blocks := `[{"type":"section","text":{"type":"mrkdwn","text":"hi <@U1> and <https://x.example|x>"}},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Open"},"url":"https://y.example"}]}]`
	tokens, urls := LiveMarkup(t, []byte(blocks))
	want := []Token{{"<@U1>", "hi <@U1> and <https://x.example|x>"}, {"<https://x.example|x>", "hi <@U1> and <https://x.example|x>"}}
	if !slices.Equal(tokens, want) {
		t.Errorf("tokens = %q, want %q", tokens, want)
	}
	if !slices.Equal(urls, []string{"https://y.example"}) {
		t.Errorf("urls = %q", urls)
	}
}

func TestDecodeYAMLIsStrict(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("name: web\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("name: web\nnmae: typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name string `yaml:"name"`
	}
	DecodeYAML(t, good, &doc)
	if doc.Name != "web" {
		t.Errorf("name = %q", doc.Name)
	}
	rec := &recorder{TB: t}
	DecodeYAML(rec, bad, &doc)
	if rec.failed == "" {
		t.Error("an unknown key was accepted")
	}
}

func BenchmarkReportPercentiles(b *testing.B) {
	durs := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		durs = append(durs, time.Duration(b.N-i)*time.Microsecond)
	}
	ReportPercentiles(b, durs)
	if b.N > 1 && durs[0] > durs[1] {
		b.Errorf("durations not sorted: %v", durs[:2])
	}
}

func TestRoundTripsCountsCommandsAndPipelines(t *testing.T) {
	client := redistest.Start(t).Client(t)
	rt := &RoundTrips{}
	client.AddHook(rt)
	ctx := context.Background()
	commands := func() {
		client.Set(ctx, "a", "1", 0)
		client.Get(ctx, "a")
	}
	pipeline := func() {
		_, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, "n")
			p.Incr(ctx, "n")
			p.Incr(ctx, "n")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// once to open the connections (their handshakes are round trips too)
	commands()
	pipeline()
	rt.Reset()
	commands()
	if got := rt.Count(); got != 2 {
		t.Errorf("two commands: %d round trips", got)
	}
	rt.Reset()
	pipeline()
	if got := rt.Count(); got != 1 {
		t.Errorf("a pipeline of three: %d round trips, want 1", got)
	}
}
