package main

import (
	"testing"

	"opsbot/commands/actions"
)

func TestInventoryFromTheCatalogue(t *testing.T) {
	cat, err := actions.New(actions.Config{
		Groups: map[string]actions.GroupConfig{"web": {Services: []string{"nginx"}}},
		Hosts: []actions.HostConfig{
			{Name: "web-1", Address: "10.0.0.1", Groups: []string{"web"}, Labels: map[string]string{"owner": "@team-web"}},
			{Name: "web-2", Address: "10.0.0.2", Groups: []string{"web"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory{cat: cat}
	if m, ok := inv.Members("web"); !ok || len(m) != 2 || m[0] != "web-1" {
		t.Errorf("Members(web) = %v, %v", m, ok)
	}
	if _, ok := inv.Members("db"); ok {
		t.Error("Members(db) found hosts")
	}
	if o, ok := inv.Owner("10.0.0.1"); !ok || o != "@team-web" {
		t.Errorf("Owner(10.0.0.1) = %q, %v", o, ok)
	}
	if _, ok := inv.Owner("web-2"); ok {
		t.Error("web-2 has no owner label")
	}
}
