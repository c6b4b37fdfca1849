package oncall_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
)

func TestWho(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	// Tue 10 Mar 09:00 CET: sre shift 8 (since Mon 2 Mar) is carol's.
	got := e.ok(t, "U3CAROL", "oncall who")
	for _, want := range []string{
		"• *sre*: <@U3CAROL> until Wed 11 Mar 09:00 CET, then <@U1ALICE>",
		"• *dba*: <@U0CONSOLE> until Mon 16 Mar 10:00 EDT, then <@U3CAROL>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("oncall who =\n%s\nwant it to contain %q", got, want)
		}
	}
	got = e.ok(t, "U3CAROL", "oncall who SRE")
	if !strings.Contains(got, "On call now: <@U3CAROL> until Wed 11 Mar 09:00 CET\nNext: <@U1ALICE> until Thu 12 Mar 09:00 CET") || !strings.Contains(got, "User group: @sre-oncall") {
		t.Errorf("oncall who sre =\n%s", got)
	}
	_, err := e.run(t, "U3CAROL", "oncall who web")
	if bot.ErrorCode(err) != bot.CodeNotFound || bot.UserMessage(err) != `there is no schedule "web"; the schedules are: sre, dba` {
		t.Errorf("unknown schedule: %v", err)
	}
}

func TestOverrideLifecycle(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	got := e.ok(t, "U1ALICE", "oncall override sre bob now 4h")
	if !strings.Contains(got, "Override OVR-1: <@U2BOB> is on call for *sre* from Tue 10 Mar 09:00 CET to Tue 10 Mar 13:00 CET (4h).") || strings.Contains(got, "overlaps") {
		t.Errorf("override = %q", got)
	}
	if got := e.ok(t, "U1ALICE", "oncall who sre"); !strings.Contains(got, "On call now: <@U2BOB> (override OVR-1) until Tue 10 Mar 13:00 CET\nNext: <@U3CAROL> until Wed 11 Mar 09:00 CET") {
		t.Errorf("who after override =\n%s", got)
	}
	got = e.ok(t, "U1ALICE", "oncall override sre <@U0CONSOLE|console> today 12:00 15:00")
	if !strings.Contains(got, "OVR-2") || !strings.Contains(got, ":warning: It overlaps OVR-1 (<@U2BOB>, Tue 10 Mar 09:00 CET → Tue 10 Mar 13:00 CET). Where overrides overlap, the newest wins.") {
		t.Errorf("overlapping override = %q", got)
	}
	got = e.ok(t, "U3CAROL", "oncall overrides")
	if !strings.Contains(got, "`OVR-1` *sre*: <@U2BOB>, Tue 10 Mar 09:00 CET → Tue 10 Mar 13:00 CET, by <@U1ALICE> *(now)* :warning: overlaps OVR-2") ||
		!strings.Contains(got, "`OVR-2` *sre*: <@U0CONSOLE>, Tue 10 Mar 12:00 CET → Tue 10 Mar 15:00 CET, by <@U1ALICE> :warning: overlaps OVR-1") {
		t.Errorf("oncall overrides =\n%s", got)
	}
	got = e.ok(t, "U3CAROL", "oncall schedule sre 2")
	for _, want := range []string{
		"Tue 10 Mar 09:00 CET   Tue 10 Mar 12:00 CET   @bob (override OVR-1)",
		"Tue 10 Mar 12:00 CET   Tue 10 Mar 15:00 CET   @console (override OVR-2)",
		"Tue 10 Mar 15:00 CET   Wed 11 Mar 09:00 CET   @carol",
		"Wed 11 Mar 09:00 CET   Thu 12 Mar 09:00 CET   @alice",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("oncall schedule =\n%s\nwant a row %q", got, want)
		}
	}
	if got := e.ok(t, "U1ALICE", "oncall remove-override ovr-2"); got != "Removed override OVR-2 (<@U0CONSOLE> on *sre*)." {
		t.Errorf("remove = %q", got)
	}
	if _, err := e.run(t, "U1ALICE", "oncall remove-override OVR-2"); bot.ErrorCode(err) != bot.CodeNotFound {
		t.Errorf("removing twice: %v", err)
	}
	// Another replica sees every write at once.
	other := newEnv(t, srv, c, testConfig(), nil)
	if got := other.ok(t, "U1ALICE", "oncall overrides sre"); strings.Contains(got, "OVR-2") || !strings.Contains(got, "OVR-1") {
		t.Errorf("other replica sees\n%s", got)
	}
	c.Add(5 * time.Hour)
	if got := e.ok(t, "U1ALICE", "oncall overrides"); got != "No current or future overrides." {
		t.Errorf("after they ended: %q", got)
	}
}

func TestOverrideBadInputWritesNothing(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	tests := []struct{ cmd, want string }{
		{"oncall override web bob now 4h", `there is no schedule "web"; the schedules are: sre, dba`},
		{"oncall override sre dave now 4h", `I don't know the user "dave": mention them (@name), give their user id (U0123ABCD) or one of: alice, bob, carol, console`},
		{"oncall override sre bob tomorrow 10:00 tomorrow 09:00", "the end (Wed 11 Mar 09:00 CET) is not after the start (Wed 11 Mar 10:00 CET)"},
		{"oncall override sre bob 2026-03-29 02:30 4h", "2026-03-29 02:30 does not exist in Europe/Berlin: that night the clocks jump from 02:00 to 03:00"},
		{"oncall override dba bob 2026-03-08 02:30 4h", "2026-03-08 02:30 does not exist in America/New_York"},
		{"oncall override sre bob yesterday 4h", `"yesterday" is not a time I understand`},
		{"oncall override sre bob now", "Usage: `oncall override <schedule> <@user> <start> <end|duration>`"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			_, err := e.run(t, "U1ALICE", tt.cmd)
			if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if n := e.store.Client().HLen(context.Background(), e.store.Key("{oncall}", "overrides")).Val(); n != 0 {
		t.Fatalf("%d overrides stored by refused commands", n)
	}
	// Viewers may look but not change.
	if _, err := e.run(t, "U3CAROL", "oncall override sre bob now 4h"); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("viewer override: %v", err)
	}
}

func TestSchedule(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	got := e.ok(t, "U3CAROL", "oncall schedule dba 21")
	want := "*dba*: the next 21 days (America/New_York)\n```\n" +
		"from                   to                     on call\n" +
		"Tue 10 Mar 04:00 EDT   Mon 16 Mar 10:00 EDT   @console\n" +
		"Mon 16 Mar 10:00 EDT   Mon 23 Mar 10:00 EDT   @carol\n" +
		"Mon 23 Mar 10:00 EDT   Mon 30 Mar 10:00 EDT   @console\n" +
		"Mon 30 Mar 10:00 EDT   Mon 06 Apr 10:00 EDT   @carol\n```"
	if got != want {
		t.Errorf("oncall schedule dba 21 =\n%s\nwant\n%s", got, want)
	}
	for _, cmd := range []string{"oncall schedule", "oncall schedule sre 0", "oncall schedule sre 91", "oncall schedule sre x"} {
		if _, err := e.run(t, "U3CAROL", cmd); bot.ErrorCode(err) != bot.CodeInvalid {
			t.Errorf("%s: %v", cmd, err)
		}
	}
}

func TestHomeSection(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	e.ok(t, "U1ALICE", "oncall override sre carol tomorrow 18:00 2h")
	blocks, err := e.svc.HomeSection(context.Background(), "U3CAROL")
	if err != nil {
		t.Fatal(err)
	}
	goldenBlocks(t, "TestHomeSection/carol.json", blocks)
}
