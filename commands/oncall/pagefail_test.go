package oncall_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/commands/oncall"
	"opsbot/internal/testkit"
)

// pagedLog records what OnPaged hears.
type pagedLog struct {
	mu  sync.Mutex
	got []string
}

func (l *pagedLog) hear(_ context.Context, ref, page string, level int, reached, failed []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, ref+" "+page+" L"+string(rune('1'+level))+" reached="+strings.Join(reached, ",")+" failed="+strings.Join(failed, ","))
}

func (l *pagedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.got, "; ")
}

// TestFailedDMDoesNotStopEscalation: a DM that cannot be delivered is
// recorded, the others of its level are paged, and the next level follows
// on time.
func TestFailedDMDoesNotStopEscalation(t *testing.T) {
	srv, c := start(t)
	cfg := testConfig()
	cfg.Policies = append(cfg.Policies, oncall.PolicyConfig{Name: "pair", Levels: []oncall.LevelConfig{
		{Users: []string{"U2BOB", "U3CAROL"}, After: "5m"}, {Users: []string{"U3CAROL", "U1ALICE"}, After: "5m"}, {Users: []string{"U0CONSOLE"}, After: "5m"}}})
	ch := testkit.NewChat()
	ch.FailPostsTo("U3CAROL") // carol's DMs fail
	e := newEnv(t, srv, c, cfg, ch)
	heard := &pagedLog{}
	e.svc.OnPaged(heard.hear)

	id, reached, err := e.svc.PageTarget(context.Background(), "pair", "INC-7 SEV1: checkout down", "U1ALICE", "CSRE", "INC-7")
	if err != nil {
		t.Fatal(err)
	}
	if id != "PG-1" || strings.Join(reached, ",") != "U2BOB" {
		t.Fatalf("page = %s reaching %v, want PG-1 reaching bob", id, reached)
	}
	if n := len(ch.Posted("U2BOB")); n != 1 {
		t.Fatalf("bob got %d DMs, want 1 although carol's failed", n)
	}

	// Level 2 pages alice on time although carol fails again.
	c.Add(5 * time.Minute)
	e.tick(t)
	if n := len(ch.Posted("U1ALICE")); n != 1 {
		t.Fatalf("alice got %d DMs at level 2, want 1", n)
	}
	// And level 3 follows: the failure did not end the escalation.
	c.Add(5 * time.Minute)
	e.tick(t)
	if n := len(ch.Posted("U0CONSOLE")); n != 1 {
		t.Fatalf("console got %d DMs at level 3, want 1", n)
	}
	want := "INC-7 PG-1 L1 reached=U2BOB failed=U3CAROL; INC-7 PG-1 L2 reached=U1ALICE failed=U3CAROL; INC-7 PG-1 L3 reached=U0CONSOLE failed="
	if got := heard.String(); got != want {
		t.Errorf("OnPaged heard:\n%s\nwant\n%s", got, want)
	}
	// The failures are kept with the page.
	if got := e.store.Client().LRange(context.Background(), "t:{oncall}:page:PG-1:failed", 0, -1).Val(); strings.Join(got, ";") != "0|U3CAROL|;1|U3CAROL|" {
		t.Errorf("failed DMs stored: %q", got)
	}

	// `oncall page` says whose DM failed.
	got := e.ok(t, "U1ALICE", "oncall page pair are you there?")
	if !strings.HasPrefix(got, "Page PG-2 sent to <@U2BOB> (the DM to <@U3CAROL> failed); level 2 follows in 5m") {
		t.Errorf("page reply = %q", got)
	}
}
