package actions

import (
	"slices"
	"testing"
)

func TestMembersAndOwner(t *testing.T) {
	c, err := New(Config{
		Groups: map[string]GroupConfig{"web": {}, "db": {}},
		Hosts: []HostConfig{
			{Name: "web-1", Address: "10.0.0.11", Groups: []string{"web"}, Labels: map[string]string{"owner": "@team-web"}},
			{Name: "web-2", Address: "10.0.0.12", Groups: []string{"web"}},
			{Name: "db-1", Address: "10.0.0.21", Groups: []string{"db"}, Labels: map[string]string{"owner": ""}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Members("web"); !ok || !slices.Equal(got, []string{"web-1", "web-2"}) {
		t.Errorf("Members(web) = %v, %v", got, ok)
	}
	if _, ok := c.Members("cache"); ok {
		t.Error("Members of an empty group reported ok")
	}
	for host, want := range map[string]string{"web-1": "@team-web", "10.0.0.11": "@team-web", "web-2": "", "db-1": "", "nope": ""} {
		got, ok := c.Owner(host)
		if got != want || ok != (want != "") {
			t.Errorf("Owner(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
}
