package inventory

import (
	"context"
	"strings"
	"testing"

	"opsbot/integrations/redisstore/redistest"
)

// TestOwnerAndMembers: alert cards find a host's team by its name or
// address, without case; status expands a group to its assets.
func TestOwnerAndMembers(t *testing.T) {
	inv, err := New(Config{}, Options{Index: NewIndex(redistest.Start(t).Client(t), "t"), Extra: []Source{&Static{SourceName: "s", Assets: []Asset{
		{Name: "web-1", Address: "10.0.0.11", Team: "@team-web", Groups: []string{"web"}},
		{Name: "web-2", Groups: []string{"web"}},
		{Name: "db-1", Team: "S0DBA"},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{"web-1": "@team-web", "WEB-1": "@team-web", "10.0.0.11": "@team-web", "db-1": "S0DBA", "web-2": "", "nope": ""} {
		got, ok := inv.Owner(host)
		if got != want || ok != (want != "") {
			t.Errorf("Owner(%s) = %q %v, want %q", host, got, ok, want)
		}
	}
	if m, ok := inv.Members("web"); !ok || strings.Join(m, ",") != "web-1,web-2" {
		t.Errorf("Members(web) = %v %v", m, ok)
	}
	if _, ok := inv.Members("db"); ok {
		t.Error("an empty group has members")
	}
}
