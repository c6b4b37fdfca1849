package incident_test

import (
	"strings"
	"testing"

	"opsbot/bot"
)

// TestBareNumbersAreTextWhereTextFollows: where free text may follow the
// id, only INC-<n> names an incident, so "1 of 3 replicas down" is a
// note and not a note on INC-1; verbs that take only the id still read
// a bare number.
func TestBareNumbersAreTextWhereTextFollows(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev4 first")
	e.ok(t, "U1ALICE", "incident open sev4 second")
	e.ok(t, "U1ALICE", "incident open sev4 third")
	thread := e.chat.Posted("CSRE")[2].TS // INC-3's message

	// In INC-3's thread, a leading number is part of the text.
	for _, cmd := range []string{"incident note 1 of 3 replicas down", "incident status 2 pods restarted, watching"} {
		if _, err := e.do(t, "U2BOB", "CSRE", thread, cmd); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
	}
	if _, err := e.do(t, "U2BOB", "CSRE", thread, "incident resolve 2 pods restarted"); err != nil {
		t.Fatal(err)
	}
	tl := e.timeline(t, "INC-3")
	for _, want := range []string{"noted: 1 of 3 replicas down", "posted a status update: 2 pods restarted, watching", "resolved: 2 pods restarted"} {
		if !strings.Contains(tl, want) {
			t.Errorf("INC-3 timeline lacks %q:\n%s", want, tl)
		}
	}
	for _, id := range []string{"INC-1", "INC-2"} {
		if tl := e.timeline(t, id); strings.Contains(tl, "noted") || strings.Contains(tl, "resolved") || strings.Contains(tl, "status") {
			t.Errorf("%s was changed by text meant for INC-3:\n%s", id, tl)
		}
	}

	// Outside an incident's conversation, a bare number names nothing.
	for _, cmd := range []string{"incident note 1 of 3 replicas down", "incident resolve 2 pods restarted", "incident status 1 update"} {
		if got := e.fails(t, bot.CodeInvalid, "U2BOB", cmd); !strings.Contains(got, "say which incident (INC-42)") {
			t.Errorf("%s: %q", cmd, got)
		}
	}
	// The id in any case does.
	e.ok(t, "U2BOB", "incident note inc-2 2 of 3 replicas back")
	if tl := e.timeline(t, "INC-2"); !strings.Contains(tl, "noted: 2 of 3 replicas back") {
		t.Errorf("INC-2 timeline:\n%s", tl)
	}

	// Verbs that take only the id (or a fixed word after it) read bare
	// numbers and #n, even in another incident's thread.
	if _, err := e.do(t, "U2BOB", "CSRE", thread, "incident ack 1"); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "U2BOB", "incident sev #2 sev3")
	e.ok(t, "U2BOB", "incident role 2 commander me")
	if got := e.ok(t, "U3CAROL", "incident show 1"); !strings.Contains(got, "INC-1") || !strings.Contains(got, "acknowledged by <@U2BOB>") {
		t.Errorf("show 1 = %q", got)
	}
	if got := e.ok(t, "U3CAROL", "incident show 2"); !strings.Contains(got, "INC-2 (SEV3") {
		t.Errorf("show 2 = %q", got)
	}
	e.ok(t, "U2BOB", "incident reopen 3")
	if got := e.fails(t, bot.CodeInvalid, "U2BOB", "incident ack 1 now"); !strings.Contains(got, "ack takes only the incident id") {
		t.Errorf("ack with text: %q", got)
	}
}

// TestBareNumberInIncidentChannel: in an incident's own channel, a
// leading number of a note or resolve summary is text too.
func TestBareNumberInIncidentChannel(t *testing.T) {
	srv, c := start(t)
	cfg := testConfig()
	cfg.ChannelPerIncident = true
	e := newEnv(t, srv, c, opts{cfg: &cfg, channels: true})
	e.ok(t, "U1ALICE", "incident open sev4 first")  // INC-1, channel CINC1
	e.ok(t, "U1ALICE", "incident open sev4 second") // INC-2, channel CINC2
	for _, cmd := range []string{"incident note 1 of 3 replicas down", "incident resolve 1 node replaced"} {
		if _, err := e.do(t, "U2BOB", "CINC2", "", cmd); err != nil {
			t.Fatalf("%s in CINC2: %v", cmd, err)
		}
	}
	if tl := e.timeline(t, "INC-2"); !strings.Contains(tl, "noted: 1 of 3 replicas down") || !strings.Contains(tl, "resolved: 1 node replaced") {
		t.Errorf("INC-2 timeline:\n%s", tl)
	}
	if tl := e.timeline(t, "INC-1"); strings.Contains(tl, "noted") || strings.Contains(tl, "resolved") {
		t.Errorf("INC-1 was changed from INC-2's channel:\n%s", tl)
	}
}
