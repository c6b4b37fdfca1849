package asset

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/bot/golden"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
)

// liveDeps are every live source answering: metrics, two alerts, an open
// and a resolved incident, a pending and a finished change, on-call.
func liveDeps(prom *fakeProm) envOpt {
	return func(d *Deps, _ *Config) {
		d.Prometheus = prom
		d.Incidents = fakeIncidents{
			{ID: "INC-7", Title: "Checkout latency on web-1", Severity: "SEV2", Open: true, Opened: t0.Add(-time.Hour)},
			{ID: "INC-3", Title: "Disk full on web-1", Severity: "SEV3", Opened: t0.Add(-72 * time.Hour), Resolved: t0.Add(-70 * time.Hour)},
		}
		d.Changes = fakeChanges{
			{ID: "CHG-12", Title: "restart unit=nginx on web-1 (1 host)", State: "requested", Requester: "U2BOB", Created: t0.Add(-30 * time.Minute)},
			{ID: "CHG-9", Title: "restart unit=app on web (3 hosts)", State: "succeeded", Requester: "U1ALICE", Created: t0.Add(-48 * time.Hour)},
		}
		d.OnCall = func(_ context.Context, schedule string) (string, error) {
			return map[string]string{"sre": "U1ALICE"}[schedule], nil
		}
		d.IncidentForm = func(context.Context, *bot.Request, string) (*bot.Reply, error) { return &bot.Reply{Text: "form"}, nil }
		d.ChangeForm = func(context.Context, *bot.Request, string) (*bot.Reply, error) { return &bot.Reply{Text: "form"}, nil }
	}
}

// TestShowCard: given an asset with every fact and every live source
// answering, when someone asks asset show, then one card shows its facts,
// metrics, firing alerts, the open incident, the pending change, the
// last check and who is on call, with the three buttons, as in the golden
// file. Update with: go test ./commands/asset -run TestShowCard -update
func TestShowCard(t *testing.T) {
	prom := &fakeProm{samples: []promapi.Sample{sample("up", 1, "instance", "web-1:9100"), sample("cpu", 0.42), sample("mem", 0.61), sample("disk", 0.93),
		sample("alert", 1, "alertname", "DiskAlmostFull", "severity", "warning"), sample("alert", 1, "alertname", "HighLoad")}}
	e := newEnv(t, sampleEstate(), liveDeps(prom))
	if err := e.svc.checks.save(context.Background(), []CheckResult{{Asset: "web-1", At: t0.Add(-2 * time.Hour), Uptime: 12 * 24 * time.Hour,
		Kernel: "6.8.0-31-generic", Disks: []Disk{{"/", 41}, {"/var", 93}}, Systemd: "running", TimeSync: "yes"}}); err != nil {
		t.Fatal(err)
	}
	r := e.do("asset show web-1")
	golden.AssertJSON(t, "TestShowCard/web-1.json", r.Blocks)
	if got := prom.calls.Load(); got != 1 {
		t.Errorf("Prometheus was asked %d times, want 1", got)
	}
	for _, want := range []string{`instance=~"(web-1|10\\.0\\.0\\.11)(:[0-9]+)?"`, `job="node"`, `ALERTS{alertstate="firing"`} {
		if !strings.Contains(prom.last, want) {
			t.Errorf("query %s lacks %s", prom.last, want)
		}
	}
}

// TestShowWithoutLiveSources: with nothing but the inventory the card
// says what it cannot know rather than failing.
func TestShowWithoutLiveSources(t *testing.T) {
	e := newEnv(t, sampleEstate())
	text := allText(e.do("asset show db-1"))
	for _, want := range []string{"Prometheus is not configured", "Never checked", "critical criticality", "<!subteam^S0DBA>", "end of life 2027-02-17 (in 75 days)"} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
}

// TestShowUnknownSuggests: an asset that does not exist is named with
// the names it is close to; a group is pointed at asset list.
func TestShowUnknownSuggests(t *testing.T) {
	e := newEnv(t, sampleEstate())
	tests := []struct{ in, want string }{
		{"asset show web-4", "there is no asset `web-4`; did you mean web-1, web-2, web-3?"},
		{"asset show frontend", "`frontend` is a group: `asset list frontend` lists it"},
		{"asset show zzzzzzzz", "`asset list` shows them all"},
		{"asset show", "name one asset"},
	}
	for _, tt := range tests {
		_, err := e.try(tt.in)
		if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
			t.Errorf("%s: %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestShowRoundTrips: asset show asks Prometheus once and Redis a
// constant number of times, whatever the asset holds.
func TestShowRoundTrips(t *testing.T) {
	many := inventory.Asset{Name: "big-1", Env: "prod", Labels: map[string]string{}}
	for i := range 60 {
		many.Labels["k"+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = "v"
	}
	assets := append(sampleEstate(), many, inventory.Asset{Name: "small-1"})
	prom := &fakeProm{}
	e := newEnv(t, assets, func(d *Deps, _ *Config) { d.Prometheus = prom })
	count := func(name string) int64 {
		before := e.rdb.n.Load()
		e.do("asset show " + name)
		return e.rdb.n.Load() - before
	}
	small, big := count("small-1"), count("big-1")
	if small != big || small > 6 {
		t.Errorf("Redis round trips: %d for a small asset, %d for a big one; want the same, at most 6", small, big)
	}
	if got := prom.calls.Load(); got != 2 {
		t.Errorf("Prometheus asked %d times for two cards, want 2", got)
	}
}
