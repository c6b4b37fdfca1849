package change_test

import (
	"context"
	"testing"

	"opsbot/internal/testkit"
)

// TestExists: a requested change exists however its id is typed; a
// number never given out, or no id at all, does not.
func TestExists(t *testing.T) {
	svc, _, rs := unpostedDesk(t, testkit.NewChat())
	c, err := requestRestart(svc)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{c.ID: true, "chg-1": true, "1": true, "CHG-2": false, "": false, "INC-1": false} {
		if got, err := svc.Exists(context.Background(), id); err != nil || got != want {
			t.Errorf("Exists(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
	rs.Kill()
	if _, err := svc.Exists(context.Background(), "CHG-1"); err == nil {
		t.Error("Exists answered with the store down")
	}
}
