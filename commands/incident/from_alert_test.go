package incident_test

import (
	"context"
	"strings"
	"testing"

	"opsbot/commands/incident"
)

// Given an alert's Open-incident click, the incident takes its severity
// from the alert's label, keeps the title within MaxTitle, links the
// alert, and posts its card in the alert's channel.
func TestOpenFromAlert(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{noPager: true})
	ctx := context.Background()
	for _, tc := range []struct {
		label string
		want  string
	}{{"critical", "SEV2"}, {"page", "SEV2"}, {"warning", "SEV3"}, {"", "SEV3"}, {"INFO", "SEV4"}} {
		title := "DiskFull: " + strings.Repeat("é", 200)
		id, err := e.svc.OpenFromAlert(ctx, incident.FromAlert{Title: title, Severity: tc.label, User: "U1ALICE",
			Link: "http://am.example/#/alerts", Channel: "CALERTS"})
		if err != nil {
			t.Fatalf("%s: %v", tc.label, err)
		}
		show := e.ok(t, "U1ALICE", "incident show "+id)
		if !strings.Contains(strings.ToUpper(show), tc.want) {
			t.Errorf("severity label %q: incident shows\n%s\nwant %s", tc.label, show, tc.want)
		}
	}
	// Open refuses a title over MaxTitle, so five opened incidents mean
	// the 210-character title was cut; each card went to the alert's channel.
	if posts := e.chat.Posted("CALERTS"); len(posts) != 5 {
		t.Fatalf("%d cards posted in the alert's channel, want 5", len(posts))
	}
}
