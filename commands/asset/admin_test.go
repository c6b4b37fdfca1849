package asset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
	"opsbot/integrations/inventory"
	promapi "opsbot/integrations/prometheus"
)

// TestImport: an admin imports a CSV from the import folder; a path is
// refused, a broken file changes nothing and lists its problems, and a
// name a higher source lists stays that source's.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cmdb.csv", "name,env,role,warranty_end\nimp-1,prod,cache,2027-01-01\nimp-2,prod,cache,\nweb-1,dev,web,\n")
	write("broken.csv", "name,env,port\nimp-3,prod,abc\n")
	e := newEnv(t, sampleEstate(), func(_ *Deps, c *Config) { c.ImportDir = dir })
	for _, tt := range []struct{ in, want string }{
		{"asset import ../../etc/passwd", "not a path"},
		{"asset import nope.csv", "there is no file `nope.csv`"},
		{"asset import broken.csv", "broken.csv:2: port: \"abc\" is not a TCP port"},
	} {
		_, err := e.try(tt.in)
		if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
			t.Errorf("%s: %v, want %q", tt.in, err, tt.want)
		}
	}
	if n := e.inv.Snapshot().Len(); n != 5 {
		t.Fatalf("after refused imports the inventory has %d assets, want 5", n)
	}
	r := e.do("asset import cmdb.csv")
	if !strings.Contains(r.Text, "Imported 3 assets from `cmdb.csv`; the inventory now has 7 assets") || !strings.Contains(r.Text, "higher precedence") {
		t.Errorf("reply = %q", r.Text)
	}
	if a, _ := e.svc.index.Get(context.Background(), "web-1"); a.Env != "prod" || a.Source != "cmdb" {
		t.Errorf("web-1 = %+v: the file's record must win over the import", a)
	}
	if a, err := e.svc.index.Get(context.Background(), "imp-1"); err != nil || a.Source != inventory.ImportSource {
		t.Errorf("imp-1 = %+v %v", a, err)
	}
	if text := mrkdwn(e.do("asset sources").Blocks); !strings.Contains(text, "Last import: cmdb.csv (3 assets) by <@U1>") {
		t.Errorf("sources do not show the import:\n%s", text)
	}
	off := newEnv(t, nil)
	if _, err := off.try("asset import cmdb.csv"); err == nil || !strings.Contains(bot.UserMessage(err), "importing is off") {
		t.Errorf("import without import_dir: %v", err)
	}
}

// flaky is a source that reads well once, then breaks.
type flaky struct{ broken bool }

func (f *flaky) Name() string { return "ansible" }
func (f *flaky) Kind() string { return "ansible" }
func (f *flaky) Load(context.Context) ([]inventory.Asset, error) {
	if f.broken {
		return nil, inventory.Problems{{File: "/etc/ansible/hosts", Line: 12, Field: "[web:vars]", Msg: `"oops" is not key=value`}}
	}
	return []inventory.Asset{{Name: "ans-1"}, {Name: "web-1"}}, nil
}

// TestSourcesShowsProblemsAndConflicts: asset sources lists every source
// in precedence order, a broken one with its file, line and field and the
// last good assets in use, and the names several sources list; /readyz's
// detail says the same in a line, and the gauges count it.
func TestSourcesShowsProblemsAndConflicts(t *testing.T) {
	f := &flaky{}
	reg := prometheus.NewRegistry()
	e := newEnv(t, nil, func(d *Deps, _ *Config) {
		index := inventory.NewIndex(redisOf(d), "opsbot")
		inv, err := inventory.New(inventory.Config{}, inventory.Options{Index: index,
			Extra: []inventory.Source{&inventory.Static{SourceName: "cmdb", SourceKind: "file", Assets: sampleEstate()}, f}, Clock: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		if err := inv.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.broken = true
		_ = inv.Reload(context.Background())
		d.Inventory, d.Metrics = inv, reg
	})
	for name, want := range map[string]float64{"opsbot_inventory_assets": 6, "opsbot_inventory_sources_failing": 1} {
		if got := gauge(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	text := mrkdwn(e.do("asset sources").Blocks)
	for _, want := range []string{
		"*6 assets from 2 sources*",
		":white_check_mark: *cmdb* (file): 5 assets",
		":warning: *ansible* (ansible): not read",
		"its last good 2 assets (read",
		`/etc/ansible/hosts:12: [web:vars]: "oops" is not key=value`,
		"*web-1*: cmdb is used; left out from ansible",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("asset sources lacks %q:\n%s", want, text)
		}
	}
	if d := e.svc.ReadyDetail(context.Background()); !strings.Contains(d, "6 assets from 2 sources; last good kept for: ansible (/etc/ansible/hosts:12:") {
		t.Errorf("ready detail = %q", d)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestHistoryNewestFirst: changes, incidents and checks that touched the
// asset, newest first.
func TestHistoryNewestFirst(t *testing.T) {
	e := newEnv(t, sampleEstate(), liveDeps(&fakeProm{}))
	if err := e.svc.checks.save(context.Background(), []CheckResult{{Asset: "web-1", At: t0.Add(-90 * time.Minute), Err: "unreachable: down"},
		{Asset: "web-1", At: t0.Add(-10 * time.Minute), Uptime: time.Minute, TimeSync: "yes"}}); err != nil {
		t.Fatal(err)
	}
	text := mrkdwn(e.do("asset history web-1").Blocks)
	order := []string{"checked: :white_check_mark:", "CHG-12", "INC-7", "checked: :x: unreachable", "CHG-9", "INC-3"}
	last := -1
	for _, o := range order {
		i := strings.Index(text, o)
		if i < 0 || i < last {
			t.Fatalf("history is not newest first at %q:\n%s", o, text)
		}
		last = i
	}
	if !strings.Contains(text, "resolved") {
		t.Error("a resolved incident does not say so")
	}
}

// TestHomeShowsTeamTrouble: the App Home lists the assets of the
// person's schedules that are down, have alerts firing or come due, and
// leaves the others out.
func TestHomeShowsTeamTrouble(t *testing.T) {
	prom := &fakeProm{samples: []promapi.Sample{sample("down", 0, "instance", "10.0.0.12:9100"), sample("alert", 1, "instance", "db-1:9100", "alertname", "ReplicaLag")}}
	e := newEnv(t, sampleEstate(), func(d *Deps, _ *Config) {
		d.Prometheus = prom
		d.TeamsOf = func(_ context.Context, user string) ([]string, error) {
			return map[string][]string{"U1": {"sre"}}[user], nil
		}
	})
	blocks, err := e.svc.HomeSection(context.Background(), "U1")
	if err != nil {
		t.Fatal(err)
	}
	text := mrkdwn(blocks)
	if !strings.Contains(text, "*web-2* · :red_circle: down") || !strings.Contains(text, "*web-1* · :date: warranty ends in 30 days") {
		t.Errorf("App Home:\n%s", text)
	}
	if strings.Contains(text, "db-1") {
		t.Error("db-1 (dba's) is on sre's App Home")
	}
	if strings.Index(text, "web-2") > strings.Index(text, "web-1") {
		t.Error("a down asset does not come before one coming due")
	}
	none, _ := e.svc.HomeSection(context.Background(), "U9")
	if !strings.Contains(mrkdwn(none), "No asset names one of your teams") {
		t.Errorf("someone without teams: %s", mrkdwn(none))
	}
}
