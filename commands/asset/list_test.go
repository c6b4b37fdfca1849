package asset

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/integrations/inventory"
)

// TestListSelectors: asset list takes every kind of selector, with counts
// per environment and role over every match.
func TestListSelectors(t *testing.T) {
	e := newEnv(t, sampleEstate())
	tests := []struct{ in, head, counts, names string }{
		{"asset list", "5 assets in the inventory", "By environment: prod 4 · staging 1", "db-1 old-1 web-1 web-2 web-3"},
		{"asset list role=web", "4 assets match `role=web`", "By role: web 4", "old-1 web-1 web-2 web-3"},
		{"asset list role=web,env=prod", "3 assets match `role=web,env=prod`", "By environment: prod 3", "old-1 web-1 web-2"},
		{"asset list env!=prod", "1 asset matches `env!=prod`", "staging 1", "web-3"},
		{`asset list name=~"web-.*"`, "3 assets match `name=~\"web-.*\"`", "prod 2 · staging 1", "web-1 web-2 web-3"},
		{"asset list web, env=prod", "2 assets match `web, env=prod`", "web 2", "web-1 web-2"},
		{"asset list frontend", "1 asset matches `frontend`", "prod 1", "web-1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := e.do(tt.in)
			text := allText(r)
			if !strings.Contains(r.Text, tt.head) || !strings.Contains(text, tt.counts) {
				t.Errorf("reply %q lacks %q or %q:\n%s", r.Text, tt.head, tt.counts, text)
			}
			var got []string
			for _, n := range strings.Fields(tt.names) {
				if strings.Contains(text, "*"+n+"*") {
					got = append(got, n)
				}
			}
			if strings.Join(got, " ") != tt.names || strings.Count(text, " · ") < len(got) {
				t.Errorf("listed %v, want %s", got, tt.names)
			}
		})
	}
}

// TestListNoMatch: a selector that matches nothing says so, with near
// values; a broken one says how to write it.
func TestListNoMatch(t *testing.T) {
	e := newEnv(t, sampleEstate())
	tests := []struct{ in, want string }{
		{"asset list env=prd", "no asset matches `env=prd`; for `env=prd`, did you mean prod?"},
		{"asset list role=cache", "no asset matches `role=cache`; role is one of db, web"},
		{"asset list webb", "there is no asset or group `webb`; did you mean web, web-1, web-2, web-3?"},
		{"asset list env=", "is not a label selector"},
		{`asset list name=~"(web"`, "is not a regular expression"},
		{"asset list warranty_end=2027-01-01", "use asset expiring"},
		{"asset list 3", "there are 1 pages"},
		{"asset list web-1,db-1", "every term must hold, so to pick several by name write `name=~\"web-1|db-1\"`"},
	}
	for _, tt := range tests {
		_, err := e.try(tt.in)
		if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
			t.Errorf("%s: %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestListPages: a long list is paged in name order; the buttons move
// between pages and keep the selector.
func TestListPages(t *testing.T) {
	var assets []inventory.Asset
	for i := range 45 {
		env := "prod"
		if i%3 == 0 {
			env = "staging"
		}
		assets = append(assets, inventory.Asset{Name: fmt.Sprintf("node-%02d", i), Env: env, Role: "batch"})
	}
	e := newEnv(t, assets)
	r := e.do("asset list role=batch 2")
	text := allText(r)
	if !strings.Contains(text, "*node-20*") || !strings.Contains(text, "*node-39*") || strings.Contains(text, "*node-19*") || strings.Contains(text, "*node-40*") {
		t.Errorf("page 2 is not node-20 to node-39:\n%s", text)
	}
	if !strings.Contains(text, "Page 2 of 3") || !strings.Contains(text, "By environment: prod 30 · staging 15") {
		t.Errorf("page 2 lacks its position or the counts over every match:\n%s", text)
	}
	next, err := e.click(actionPage, "3|role=batch")
	if err != nil {
		t.Fatal(err)
	}
	if nt := allText(next); !next.ReplaceOriginal || !strings.Contains(nt, "*node-44*") || !strings.Contains(nt, `"Previous"`) || strings.Contains(nt, `"Next"`) {
		t.Errorf("Next does not show the last page in place:\n%s", nt)
	}
	if _, err := e.click(actionPage, "garbage"); err == nil {
		t.Error("a button value from nowhere was accepted")
	}
}

// TestExpiring: warranties and ends of life due in the window, soonest
// first, retired assets left out, the window typed as 30d, 12w, 6mo, 1y.
func TestExpiring(t *testing.T) {
	e := newEnv(t, sampleEstate())
	text := allText(e.do("asset expiring"))
	w1 := strings.Index(text, "2027-01-03 (in 30 days) · warranty ends · *web-1*")
	d1 := strings.Index(text, "2027-02-17 (in 75 days) · end of life · *db-1*")
	if w1 < 0 || d1 < 0 || w1 > d1 {
		t.Errorf("not web-1's warranty then db-1's end of life:\n%s", text)
	}
	if strings.Contains(text, "old-1") {
		t.Error("a retired asset's warranty is listed")
	}
	if text := allText(e.do("asset expiring 30d")); strings.Contains(text, "db-1") || !strings.Contains(text, "web-1") {
		t.Errorf("30d:\n%s", text)
	}
	e.clock.Add(40 * 24 * time.Hour)
	if text := allText(e.do("asset expiring 2y")); !strings.Contains(text, "web-2") || strings.Contains(text, "*web-1*") || !strings.Contains(text, "already passed") {
		t.Errorf("2y, 40 days later:\n%s", text)
	}
	for _, bad := range []string{"asset expiring soon", "asset expiring 0d", "asset expiring 30d 40d", "asset expiring 99y"} {
		if _, err := e.try(bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}
