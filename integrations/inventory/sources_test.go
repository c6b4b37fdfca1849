package inventory

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"opsbot/bot/golden"
)

// view is an asset as the golden files show it: only the fields set.
func view(a Asset) map[string]any {
	m := map[string]any{}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("name", a.Name)
	put("address", a.Address)
	if a.Port != 0 {
		m["port"] = a.Port
	}
	put("user", a.User)
	put("env", a.Env)
	put("role", a.Role)
	if len(a.Groups) > 0 {
		m["groups"] = a.Groups
	}
	put("team", a.Team)
	put("oncall", a.OnCall)
	if len(a.Labels) > 0 {
		m["labels"] = a.Labels
	}
	put("os", a.OS)
	put("os_version", a.OSVersion)
	put("location", a.Location)
	put("vendor", a.Vendor)
	put("model", a.Model)
	put("serial", a.Serial)
	put("purchased", dateText(a.Purchased))
	put("warranty_end", dateText(a.WarrantyEnd))
	put("end_of_life", dateText(a.EndOfLife))
	put("state", string(a.State))
	put("criticality", string(a.Criticality))
	put("source", a.Source)
	put("monitored", a.Monitored)
	if len(a.Instances) > 0 {
		m["instances"] = a.Instances
	}
	return m
}

func views(as []Asset) []map[string]any {
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = view(a)
	}
	return out
}

// TestAnsibleSamples reads real-shaped Ansible inventories (INI with
// ranges, host:port, children and group vars; YAML with nested children
// and strided ranges; a folder with group_vars and host_vars) and
// compares the assets with the golden files. Update with:
// go test ./integrations/inventory -run TestAnsibleSamples -update
func TestAnsibleSamples(t *testing.T) {
	for _, name := range []string{"prod.ini", "site.yml", "layered"} {
		t.Run(name, func(t *testing.T) {
			src := &Ansible{SourceName: "ansible", Path: filepath.Join("testdata", "ansible", name)}
			assets, err := src.Load(context.Background())
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			golden.AssertJSON(t, "TestAnsibleSamples/"+name+".json", views(assets))
			for _, a := range assets {
				for k := range a.Labels {
					if secretish(k, a.Labels[k]) {
						t.Errorf("%s: secret-looking var %s became a label", a.Name, k)
					}
				}
			}
		})
	}
}

// TestAnsibleVarPrecedence: host vars beat child group vars, which beat
// parent group vars, which beat all's, as in Ansible.
func TestAnsibleVarPrecedence(t *testing.T) {
	src := &Ansible{Path: filepath.Join("testdata", "ansible", "prod.ini")}
	assets, err := src.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Asset{}
	for _, a := range assets {
		by[a.Name] = a
	}
	tests := []struct{ host, got, want string }{
		{"web01.example.com", by["web01.example.com"].Role, "web"},            // web:vars over frontend:vars
		{"lb-a", by["lb-a"].Role, "frontend"},                                 // frontend:vars
		{"db-replica", by["db-replica"].Role, "db"},                           // a host var
		{"db-primary", by["db-primary"].Team, "@team-db"},                     // db:vars over prod:vars
		{"web02.example.com", by["web02.example.com"].Team, "@team-platform"}, // prod:vars
		{"web04.example.com", itoa(by["web04.example.com"].Port), "2222"},     // host:port
		{"bastion.example.com", by["bastion.example.com"].Env, ""},            // ungrouped: no prod vars
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.host, tt.got, tt.want)
		}
	}
	if g := by["web01.example.com"].Groups; !slices.Equal(g, []string{"frontend", "prod", "web"}) {
		t.Errorf("web01 groups = %v, want its groups and their parents", g)
	}
}

// TestOpsbotFiles reads opsbot's YAML (with defaults) and CSV files.
// Update with: go test ./integrations/inventory -run TestOpsbotFiles -update
func TestOpsbotFiles(t *testing.T) {
	for _, name := range []string{"assets.yaml", "assets.csv"} {
		t.Run(name, func(t *testing.T) {
			src := &Files{SourceName: "files", Path: filepath.Join("testdata", "files", name)}
			assets, err := src.Load(context.Background())
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			golden.AssertJSON(t, "TestOpsbotFiles/"+name+".json", views(assets))
		})
	}
}

// TestSourceErrors: every broken source reports every problem with its
// file, line and field. Update with:
// go test ./integrations/inventory -run TestSourceErrors -update
func TestSourceErrors(t *testing.T) {
	tests := []struct {
		name string
		src  Source
	}{
		{"ansible-broken.ini", &Ansible{Path: "testdata/ansible/broken.ini"}},
		{"ansible-broken.yml", &Ansible{Path: "testdata/ansible/broken.yml"}},
		{"ansible-cycle.ini", &Ansible{Path: "testdata/ansible/cycle.ini"}},
		{"ansible-missing", &Ansible{Path: "testdata/ansible/nope.ini"}},
		{"broken.yaml", &Files{Path: "testdata/files/broken.yaml"}},
		{"broken-syntax.yaml", &Files{Path: "testdata/files/broken-syntax.yaml"}},
		{"broken.csv", &Files{Path: "testdata/files/broken.csv"}},
		{"broken-rows.csv", &Files{Path: "testdata/files/broken-rows.csv"}},
		{"folder", &Files{Path: "testdata/files/folder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assets, err := tt.src.Load(context.Background())
			if err == nil {
				t.Fatalf("loaded %d assets from a broken source", len(assets))
			}
			if assets != nil {
				t.Errorf("a broken source gave assets: %v", assets)
			}
			golden.Assert(t, "TestSourceErrors/"+tt.name+".golden", []byte(err.Error()+"\n"))
		})
	}
}

func TestExpandHosts(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"web[01:03]", "web01 web02 web03", ""},
		{"web[1:3].ex", "web1.ex web2.ex web3.ex", ""},
		{"db-[a:c]", "db-a db-b db-c", ""},
		{"n[0:4:2]", "n0 n2 n4", ""},
		{"r[1:2]-[a:b]", "r1-a r1-b r2-a r2-b", ""},
		{"plain", "plain", ""},
		{"web[3:1]", "", "runs backwards"},
		{"web[1:x]", "", "not a range"},
		{"web[1:2", "", "without ]"},
		{"web[0:99999]", "", "more than"},
	}
	for _, tt := range tests {
		got, err := expandHosts(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("%s = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// TestMergePrecedence: the first source in precedence wins a name whole,
// and the loser is listed.
func TestMergePrecedence(t *testing.T) {
	assets, conflicts := merge([]loaded{
		{source: "cmdb", assets: []Asset{{Name: "web-1", Env: "prod"}, {Name: "db-1"}}},
		{source: "ansible", assets: []Asset{{Name: "web-1", Env: "staging", Role: "web"}, {Name: "app-1"}}},
		{source: "actions", assets: []Asset{{Name: "web-1"}, {Name: "app-1"}}},
	})
	var names []string
	for _, a := range assets {
		names = append(names, a.Name+"@"+a.Source)
	}
	if got := strings.Join(names, " "); got != "app-1@ansible db-1@cmdb web-1@cmdb" {
		t.Errorf("merged = %s", got)
	}
	if assets[2].Env != "prod" || assets[2].Role != "" {
		t.Errorf("web-1 = %+v, want cmdb's record whole", assets[2])
	}
	want := []Conflict{{Name: "app-1", Winner: "ansible", Losers: []string{"actions"}}, {Name: "web-1", Winner: "cmdb", Losers: []string{"ansible", "actions"}}}
	if len(conflicts) != 2 || conflicts[0].Name != want[0].Name || !slices.Equal(conflicts[1].Losers, want[1].Losers) || conflicts[1].Winner != "cmdb" {
		t.Errorf("conflicts = %+v, want %+v", conflicts, want)
	}
}

// TestCompleteWithTargets: scraped assets are monitored, the others not,
// and hosts only Prometheus knows become assets with their labels.
func TestCompleteWithTargets(t *testing.T) {
	assets := []Asset{{Name: "web-1"}, {Name: "db-1", Address: "10.0.0.21"}, {Name: "old"}}
	targets := []Target{
		{Pool: "node", Labels: map[string]string{"job": "node", "instance": "web-1:9100"}},
		{Pool: "node", Labels: map[string]string{"job": "node", "instance": "10.0.0.21:9100"}},
		{Pool: "node", Labels: map[string]string{"job": "node", "instance": "cache-1:9100", "env": "prod", "dc": "fra"}},
		{Pool: "blackbox", Labels: map[string]string{"job": "blackbox", "instance": "old:443"}},
	}
	got := complete(assets, targets, "instance", []string{"node"})
	m := map[string]Asset{}
	for _, a := range got {
		m[a.Name] = a
	}
	if m["web-1"].Monitored != MonitoredYes || m["db-1"].Monitored != MonitoredYes || m["old"].Monitored != MonitoredNo {
		t.Errorf("monitored: web-1 %q db-1 %q old %q", m["web-1"].Monitored, m["db-1"].Monitored, m["old"].Monitored)
	}
	c, ok := m["cache-1"]
	if !ok || c.Source != PrometheusSource || c.Env != "prod" || c.Labels["dc"] != "fra" || c.Monitored != MonitoredYes {
		t.Errorf("cache-1 = %+v, want an asset from its target", c)
	}
	if !slices.IsSortedFunc(got, func(a, b Asset) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("assets not sorted by name")
	}
}
