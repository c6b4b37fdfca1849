package suggest

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"incident", "incident", 0},
		{"incdient", "incident", 1}, // a swap of neighbours costs one
		{"incidnet", "incident", 1},
		{"kitten", "sitting", 3},
		{"web-1", "web-2", 1},
		{"ünïcode", "unicode", 2}, // runes, not bytes
		{"ca", "abc", 3},          // optimal string alignment, not full Damerau
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestNear(t *testing.T) {
	names := []string{"web-1", "web-2", "web-10", "db-1", "Web-1", "web-1", "cache"}
	if got, want := Near("web1", names, 2, 3), []string{"Web-1", "web-1", "web-10"}; !slices.Equal(got, want) {
		t.Errorf("Near(web1) = %v, want %v", got, want)
	}
	if got := Near("cach", names, 1, 5); !slices.Equal(got, []string{"cache"}) {
		t.Errorf("Near(cach) = %v", got)
	}
	if got := Near("zzzzzz", names, 2, 5); len(got) != 0 {
		t.Errorf("Near(zzzzzz) = %v, want none", got)
	}
	if got := Near("db", names, 0, 5); !slices.Equal(got, []string{"db-1"}) {
		t.Errorf("Near(db) by containment = %v", got)
	}
}
