package oncall_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"opsbot/internal/testkit"
)

func TestHandoff(t *testing.T) {
	srv, c := start(t)
	ch := testkit.NewChat()
	e := newEnv(t, srv, c, testConfig(), ch)
	other := newEnv(t, srv, c, testConfig(), ch) // a second replica ticking too
	ctx := context.Background()
	tickBoth := func() {
		e.tick(t)
		other.tick(t)
	}
	if err := e.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tickBoth()
	if got := e.groups.members("sre-oncall") + other.groups.members("sre-oncall"); got != "U3CAROL" {
		t.Fatalf("first check set @sre-oncall to %q, want carol once", got)
	}
	if n := len(ch.Posted("CSRE")); n != 0 {
		t.Fatalf("first check ever posted %d notices; nothing was handed over", n)
	}

	c.Set(time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)) // Wed 09:00 CET
	tickBoth()
	notices := ch.Posted("CSRE")
	if len(notices) != 1 || notices[0].Msg.Text != ":pager: <@U1ALICE> is on call for *sre* until Thu 12 Mar 09:00 CET" {
		t.Fatalf("handoff notices = %+v", notices)
	}
	if got := e.groups.members("sre-oncall") + other.groups.members("sre-oncall"); got != "U1ALICE" {
		t.Fatalf("@sre-oncall = %q", got)
	}

	// An override hands over at once, and back when it ends.
	e.ok(t, "U1ALICE", "oncall override sre bob now 2h")
	tickBoth()
	c.Add(2 * time.Hour)
	tickBoth()
	var texts []string
	for _, n := range ch.Posted("CSRE")[1:] {
		texts = append(texts, n.Msg.Text)
	}
	want := ":pager: <@U2BOB> (override OVR-1) is on call for *sre* until Wed 11 Mar 11:00 CET|" +
		":pager: <@U1ALICE> is on call for *sre* until Thu 12 Mar 09:00 CET"
	if got := strings.Join(texts, "|"); got != want {
		t.Fatalf("notices =\n%s\nwant\n%s", got, want)
	}
}

func TestHandoffPostFailureIsRetried(t *testing.T) {
	srv, c := start(t)
	ch := testkit.NewChat()
	e := newEnv(t, srv, c, testConfig(), ch)
	_ = e.svc.Start(context.Background())
	e.tick(t)
	ch.FailPostsTo("CSRE")
	c.Set(time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC))
	e.tick(t)
	if n := len(ch.Posted("CSRE")); n != 0 {
		t.Fatalf("%d notices while posts to CSRE failed", n)
	}
	ch.FailPostsTo()
	c.Add(time.Minute) // past the loop's retry backoff
	e.tick(t)
	if n := len(ch.Posted("CSRE")); n != 1 {
		t.Fatalf("%d notices after a failed post was retried, want 1", n)
	}
}

// TestHandoffWithBrokenUserGroup: a user group that cannot be updated
// neither stops the notice nor the checks; the notice says so, and the
// sync is tried again at the next check, which comes soon.
func TestHandoffWithBrokenUserGroup(t *testing.T) {
	srv, c := start(t)
	ch := testkit.NewChat()
	e := newEnv(t, srv, c, testConfig(), ch)
	_ = e.svc.Start(context.Background())
	e.tick(t) // first check: carol, group set
	e.groups.mu.Lock()
	e.groups.fail = errors.New("update members of @sre-oncall: permission_denied")
	e.groups.mu.Unlock()

	c.Set(time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)) // Wed 09:00 CET: alice
	e.tick(t)
	notices := ch.Posted("CSRE")
	want := ":pager: <@U1ALICE> is on call for *sre* until Thu 12 Mar 09:00 CET\n" +
		":warning: @sre-oncall could not be updated (update members of @sre-oncall: permission_denied); opsbot tries again in 10m."
	if len(notices) != 1 || notices[0].Msg.Text != want {
		t.Fatalf("notices = %+v\nwant %q", notices, want)
	}
	if got := e.groups.members("sre-oncall"); got != "U3CAROL" {
		t.Fatalf("@sre-oncall = %q while failing", got)
	}

	// Still broken at the retry: no second notice, another retry.
	c.Add(10 * time.Minute)
	if n := e.tick(t); n != 1 {
		t.Fatalf("%d steps ran at the retry, want the handoff check", n)
	}
	e.groups.mu.Lock()
	e.groups.fail = nil
	e.groups.mu.Unlock()
	c.Add(10 * time.Minute)
	if n := e.tick(t); n != 1 {
		t.Fatalf("%d steps ran at the second retry, want the handoff check", n)
	}
	if got := e.groups.members("sre-oncall"); got != "U1ALICE" {
		t.Fatalf("@sre-oncall = %q after the group works again, want alice", got)
	}
	if n := len(ch.Posted("CSRE")); n != 1 {
		t.Fatalf("%d notices; the handoff was announced once already", n)
	}

	// Synced, the checks go back to the shift's end: the next handoff
	// (Thu 09:00 CET, bob) is announced without a warning.
	c.Set(time.Date(2026, 3, 12, 8, 0, 0, 0, time.UTC))
	e.tick(t)
	if n := ch.Posted("CSRE"); len(n) != 2 || strings.Contains(n[1].Msg.Text, "warning") || e.groups.members("sre-oncall") != "U2BOB" {
		t.Fatalf("next handoff: %+v, group %q", n, e.groups.members("sre-oncall"))
	}
}
