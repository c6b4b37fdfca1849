package actions

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
	"opsbot/integrations/inventory"
	"opsbot/integrations/redisstore/redistest"
)

// inventoryCatalogue is the test catalogue resolving through an inventory
// in a real redis-server: actions.hosts is one source, and a second one
// (say, Ansible) adds hosts the catalogue does not list.
func inventoryCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	cat := testCatalogue(t)
	x := inventory.NewIndex(redistest.Start(t).Client(t), "t")
	ansible := &inventory.Static{SourceName: "ansible", SourceKind: "ansible", Assets: []inventory.Asset{
		{Name: "web-9", Address: "10.0.0.9", Env: "prod", Role: "web", Groups: []string{"web"}},
		{Name: "web-1", Env: "dev"}, // loses to actions.hosts, listed first
		{Name: "batch-1", Env: "prod", Role: "batch"},
	}}
	inv, err := inventory.New(inventory.Config{}, inventory.Options{Index: x, Extra: []inventory.Source{cat.Source(), ansible}})
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	cat.UseInventory(x)
	return cat
}

// TestResolveThroughInventory: change and service name targets through
// the inventory's selectors: hosts of every source, actions.hosts taking
// precedence here, the services of a host coming from its groups.
func TestResolveThroughInventory(t *testing.T) {
	cat := inventoryCatalogue(t)
	tests := []struct{ sel, want, wantErr string }{
		{sel: "web-1", want: "web-1"},
		{sel: "web", want: "web-1,web-2,web-9"},
		{sel: "role=web,env=prod", want: "web-1,web-9"},
		{sel: "env=prod", want: "batch-1,db-1,web-1,web-9"},
		{sel: "env!=prod", want: "web-2"},
		{sel: `name=~"web-.*"`, want: "web-1,web-2,web-9"},
		{sel: "dc=fra", want: "web-1"},
		{sel: "web-3", wantErr: "no host or group is called `web-3`; did you mean web-1, web-2, web-9, web?"},
		{sel: "env=prd", wantErr: "no host matches `env=prd`; for `env=prd`, did you mean prod?"},
		{sel: "role=web,env=dev", wantErr: "no host matches `role=web,env=dev`; env is one of prod, staging"},
		{sel: "env=", wantErr: "is not a label selector"},
		{sel: `name=~"(web"`, wantErr: "is not a regular expression"},
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
	hosts, err := cat.Resolve(context.Background(), "web-9")
	if err != nil || len(hosts) != 1 || !hosts[0].Runs("nginx") || hosts[0].Address != "10.0.0.9" {
		t.Fatalf("web-9 = %+v, %v: want the web group's services and its address", hosts, err)
	}
	restart, _ := cat.Action("restart")
	if _, err := restart.Bind([]string{"nginx"}, nil, hosts); err != nil {
		t.Errorf("an inventory host cannot run its group's service: %v", err)
	}
}
