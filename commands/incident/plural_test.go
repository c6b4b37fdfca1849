package incident_test

import (
	"context"
	"testing"

	"opsbot/bot"
)

// TestStatusCountsChannels: a status update posted to the one channel of
// an incident says "1 channel", not "1 channel(s)".
func TestStatusCountsChannels(t *testing.T) {
	r := formRouter(t)
	do := func(text string) string {
		t.Helper()
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Text: text})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return rep.Text
	}
	do("incident open sev3 checkout slow")
	if got := do("incident status INC-1 rolled back"); got != "Status update of INC-1 posted to 1 channel." {
		t.Errorf("status = %q", got)
	}
}
