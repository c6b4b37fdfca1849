package asset

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/runner"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
	"opsbot/internal/testkit"
)

// hostileAsset has every field at its longest, full of markup Slack would
// read as live.
func hostileAsset(i int) inventory.Asset {
	h := testkit.Hostile(inventory.MaxValueLen)
	a := inventory.Asset{Name: fmt.Sprintf("%03d", i) + strings.Repeat("x", 125), Address: h, Port: 65535, User: h, Env: h[:60] + fmt.Sprint(i%7),
		Role: h[:60] + fmt.Sprint(i%11), Team: h, OnCall: h, OS: h, OSVersion: h, Location: h, Vendor: h, Model: h, Serial: h,
		Purchased: t0.AddDate(-3, 0, 0), WarrantyEnd: t0.AddDate(0, 0, 1+i%80), EndOfLife: t0.AddDate(0, 0, 2+i%80),
		State: inventory.StateMaintenance, Criticality: inventory.CriticalityCritical, Monitored: inventory.MonitoredNo, Labels: map[string]string{}}
	for g := range 60 {
		a.Groups = append(a.Groups, fmt.Sprintf("group-%02d-%s", g, strings.Repeat("g", 100)))
	}
	for l := range 60 {
		a.Labels[fmt.Sprintf("l%02d%s", l, strings.Repeat("k", 59))] = h
	}
	return a
}

// hostileSource is a source that fails with hostile problems.
type hostileSource struct{}

func (hostileSource) Name() string { return "evil<@U0EVIL>" }
func (hostileSource) Kind() string { return "file" }
func (hostileSource) Load(context.Context) ([]inventory.Asset, error) {
	var ps inventory.Problems
	for i := range 200 {
		ps = append(ps, inventory.Problem{File: testkit.Hostile(300), Line: i + 1, Field: testkit.Hostile(100), Msg: testkit.Hostile(500)})
	}
	return nil, ps
}

// TestHostileInputIsAcceptedAndInert: with every text at its longest and
// full of markup, every message the asset commands post (card, list,
// expiring, history, sources, check results, App Home) is accepted by the
// strict local Slack, and none of the markup is live.
func TestHostileInputIsAcceptedAndInert(t *testing.T) {
	var assets []inventory.Asset
	for i := range 120 {
		assets = append(assets, hostileAsset(i))
	}
	h := testkit.Hostile(2000)
	prom := &fakeProm{}
	for i := range 120 {
		prom.samples = append(prom.samples, promapi.Sample{Labels: map[string]string{"opsbot_m": "alert", "alertname": h, "severity": h,
			"instance": assets[i%len(assets)].Name + ":9100"}, Value: 1})
	}
	prom.samples = append(prom.samples, sample("up", 0, "instance", assets[0].Name+":9100"), sample("down", 0, "instance", assets[0].Name+":9100"))
	var incs fakeIncidents
	var chs fakeChanges
	for i := range 80 {
		incs = append(incs, IncidentRef{ID: h[:40], Title: h, Severity: h[:20], Open: i%2 == 0, Opened: t0.Add(-time.Duration(i) * time.Hour), Resolved: t0})
		chs = append(chs, ChangeRef{ID: h[:40], Title: h, State: h[:30], Requester: h, Created: t0.Add(-time.Duration(i) * time.Minute)})
	}
	e := newEnv(t, assets, func(d *Deps, _ *Config) {
		d.Prometheus, d.Incidents, d.Changes = prom, incs, chs
		d.OnCall = func(context.Context, string) (string, error) { return h, nil }
		d.IncidentForm = func(context.Context, *bot.Request, string) (*bot.Reply, error) { return nil, nil }
		d.ChangeForm = d.IncidentForm
		d.TeamsOf = func(context.Context, string) ([]string, error) {
			return []string{testkit.Hostile(inventory.MaxValueLen)}, nil
		}
	})
	var checks []CheckResult
	for i := range 500 {
		c := CheckResult{Asset: assets[i%len(assets)].Name, At: t0, Uptime: time.Hour, Kernel: h[:100], Systemd: h[:40], TimeSync: "no", Reboot: true}
		for d := range 64 {
			c.Disks = append(c.Disks, Disk{Mount: h[:200], Used: 90 + d%10})
		}
		for f := range 50 {
			c.Failed = append(c.Failed, h[:200]+fmt.Sprint(f))
		}
		if i%5 == 0 {
			c = CheckResult{Asset: c.Asset, At: t0, Err: "host_key: " + h}
		}
		checks = append(checks, c)
	}
	if err := e.svc.checks.save(context.Background(), checks[:len(assets)]); err != nil {
		t.Fatal(err)
	}
	replies := map[string]*bot.Reply{
		"show":     e.do("asset show " + assets[0].Name),
		"list":     e.do("asset list 2"),
		"expiring": e.do("asset expiring 1y"),
		"history":  e.do("asset history " + assets[1].Name),
		"check":    e.svc.checkReply(context.Background(), runner.Job{Label: "check " + h, Channel: "C1"}, checks),
	}
	bad := newEnv(t, nil, func(d *Deps, _ *Config) {
		index := inventory.NewIndex(e.store.Client(), "other")
		inv, err := inventory.New(inventory.Config{}, inventory.Options{Index: index, Extra: []inventory.Source{hostileSource{}}})
		if err != nil {
			t.Fatal(err)
		}
		_ = inv.Reload(context.Background())
		d.Inventory = inv
	})
	replies["sources"] = bad.do("asset sources")
	for name, r := range replies {
		t.Run(name, func(t *testing.T) {
			testkit.SlackAccepts(t, r.Text, r.Blocks)
			if live := testkit.Live(r.Text + mrkdwn(r.Blocks)); len(live) > 0 {
				t.Errorf("live markup: %v", live)
			}
			if len(r.Blocks) > 50 {
				t.Errorf("%d blocks", len(r.Blocks))
			}
		})
	}
	t.Run("home", func(t *testing.T) {
		home, err := e.svc.HomeSection(context.Background(), "U1")
		if err != nil {
			t.Fatal(err)
		}
		testkit.SlackAcceptsHome(t, home)
		text := mrkdwn(home)
		if live := testkit.Live(text); len(live) > 0 {
			t.Errorf("live markup: %v", live)
		}
		if !strings.Contains(text, ":red_circle: down") {
			t.Errorf("the down asset is not on the App Home:\n%s", text[:min(2000, len(text))])
		}
	})
}
