package incident_test

import (
	"context"
	"strings"
	"testing"

	"opsbot/bot"
)

// TestLink: changes and alerts are linked by command (in the thread the
// id may be left out), shown by `incident show` and listed once in the
// postmortem.
func TestLink(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	if _, err := e.svc.Open(context.Background(), incidentOpen("checkout latency", "sev2", "U1ALICE", "CSRE")); err != nil {
		t.Fatal(err)
	}
	thread := e.chat.Posted("CSRE")[0].TS
	if got := e.ok(t, "U2BOB", "incident link INC-1 CHG-7"); got != "Linked change CHG-7 to INC-1; `incident show INC-1` and its postmortem list it." {
		t.Errorf("link = %q", got)
	}
	for _, cmd := range []string{"incident link change chg-12", "incident link alert DiskFull on db-main", "incident link CHG-7"} {
		if _, err := e.do(t, "U2BOB", "CSRE", thread, cmd); err != nil {
			t.Fatalf("%s in the thread: %v", cmd, err)
		}
	}
	for _, tt := range []struct{ cmd, want string }{
		{"incident link INC-1", "say what to link"},
		{"incident link INC-1 7", `"7" is not something to link`},
		{"incident link INC-1 CHG-7 now", `"CHG-7 now" is not something to link`},
		{"incident link INC-1 change 7", `"7" is not a change id like CHG-7`},
		{"incident link INC-1 alert", "give the alert's name after alert"},
		{"incident link 1 CHG-7", "say which incident (INC-42)"},
	} {
		if got := e.fails(t, bot.CodeInvalid, "U2BOB", tt.cmd); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.cmd, got, tt.want)
		}
	}
	rep, err := e.do(t, "U3CAROL", "CSRE", "", "incident show INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := blocksText(rep.Blocks); !strings.Contains(got, "*Linked:* alert CheckoutLatencyHigh, change CHG-7, change CHG-12, alert DiskFull on db-main") {
		t.Errorf("show does not list the links:\n%s", got)
	}
	pm, err := e.do(t, "U3CAROL", "CSRE", "", "incident postmortem INC-1")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(pm.File.Content)
	for _, want := range []string{"- change CHG-7 (linked", "- change CHG-12 (linked", "- alert DiskFull on db-main (linked", "- alert CheckoutLatencyHigh (linked"} {
		if !strings.Contains(doc, want) {
			t.Errorf("postmortem lacks %q", want)
		}
	}
	if n := strings.Count(doc, "- change CHG-7 (linked"); n != 1 {
		t.Errorf("CHG-7 listed %d times in the postmortem, want once", n)
	}
}
