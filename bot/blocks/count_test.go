package blocks

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 alerts", 1: "1 alert", 2: "2 alerts", -1: "-1 alerts"} {
		if got := Count(n, "alert"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Count(1, "more group"); got != "1 more group" {
		t.Errorf("Count(1, more group) = %q", got)
	}
}
