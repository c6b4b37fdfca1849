package oncall_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/internal/testkit"
)

func TestEscalation(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	// sre follows the urgent policy: sre's on-call (carol), then bob after
	// 5m, then console after 10m more.
	got := e.ok(t, "U1ALICE", "oncall page sre checkout is failing")
	if got != "Page PG-1 sent to <@U3CAROL>; level 2 follows in 5m unless someone acknowledges." {
		t.Fatalf("page reply = %q", got)
	}
	carol := e.chat.Posted("U3CAROL")
	if len(carol) != 1 || !strings.Contains(carol[0].Msg.Text, "checkout is failing") {
		t.Fatalf("carol got %v", carol)
	}
	goldenBlocks(t, "TestEscalation/paged.json", carol[0].Msg.Blocks)

	c.Add(5*time.Minute - time.Second)
	e.tick(t)
	if n := len(e.chat.Posted("U2BOB")); n != 0 {
		t.Fatalf("bob was paged %d times before the level's delay passed", n)
	}
	c.Add(time.Second)
	e.tick(t)
	bob := e.chat.Posted("U2BOB")
	if len(bob) != 1 {
		t.Fatalf("bob was paged %d times after 5m, want 1", len(bob))
	}

	// Bob acknowledges: his DM is replaced, carol's is updated, escalation stops.
	rep, err := e.click(t, "U2BOB", "oncall.ack", "PG-1", bob[0].TS)
	if err != nil || !rep.ReplaceOriginal {
		t.Fatalf("ack = %+v, %v", rep, err)
	}
	goldenBlocks(t, "TestEscalation/acked.json", rep.Blocks)
	if ups := e.chat.Updates(); len(ups) != 1 || ups[0].Channel != "U3CAROL" || !strings.Contains(ups[0].Msg.Text, "acknowledged by <@U2BOB>") {
		t.Fatalf("updates after ack = %+v", ups)
	}
	c.Add(time.Hour)
	e.tick(t)
	if n := len(e.chat.Posted("U0CONSOLE")); n != 0 {
		t.Fatalf("level 3 was paged %d times after an acknowledgement", n)
	}
	// A second click changes nothing and says what is true.
	rep, err = e.click(t, "U3CAROL", "oncall.ack", "PG-1", carol[0].TS)
	if err != nil || rep.ReplaceOriginal || rep.Visibility != bot.VisibleToRequester || !strings.HasPrefix(rep.Text, "PG-1 was already acknowledged by <@U2BOB> at <!date^1773129900^{date_short_pretty} {time}|2026-03-10 08:05 UTC>") {
		t.Fatalf("stale ack = %+v, %v", rep, err)
	}
}

func TestEscalationRunsOutAndSaysSo(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	e.ok(t, "U1ALICE", "oncall page bob are you there?")
	c.Add(5 * time.Minute)
	e.tick(t)
	notice := e.chat.Posted("CCMD")
	if len(notice) != 1 || !strings.Contains(notice[0].Msg.Text, "Nobody acknowledged page PG-1 (<@U2BOB>: are you there?) after its only level") {
		t.Fatalf("notice = %+v", notice)
	}
	// Acknowledging late still works.
	if _, err := e.click(t, "U2BOB", "oncall.ack", "PG-1", ""); err != nil {
		t.Fatal(err)
	}
}

func TestEscalationContinuesAfterRestart(t *testing.T) {
	srv, c := start(t)
	ch := testkit.NewChat()
	first := newEnv(t, srv, c, testConfig(), ch)
	first.ok(t, "U1ALICE", "oncall page sre db down")
	// The first replica is gone; a fresh one on the same Redis carries on.
	c.Add(5 * time.Minute)
	second := newEnv(t, srv, c, testConfig(), ch)
	if n := second.tick(t); n != 1 {
		t.Fatalf("the new loop ran %d steps, want the escalation", n)
	}
	if n := len(ch.Posted("U2BOB")); n != 1 {
		t.Fatalf("bob paged %d times, want 1", n)
	}
}

func TestTwoReplicasEscalateOnce(t *testing.T) {
	srv, c := start(t)
	ch := testkit.NewChat()
	a := newEnv(t, srv, c, testConfig(), ch)
	b := newEnv(t, srv, c, testConfig(), ch)
	const pages = 20
	for i := 0; i < pages; i++ {
		a.ok(t, "U1ALICE", "oncall page sre db down")
	}
	for _, step := range []time.Duration{5 * time.Minute, 10 * time.Minute, 10 * time.Minute} {
		c.Add(step)
		var wg sync.WaitGroup
		for _, e := range []*env{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = e.loop.Tick(context.Background()) }()
		}
		wg.Wait()
	}
	if n := len(ch.Posted("U2BOB")); n != pages {
		t.Errorf("bob paged %d times for %d pages", n, pages)
	}
	if n := len(ch.Posted("U0CONSOLE")); n != pages {
		t.Errorf("level 3 paged %d times for %d pages", n, pages)
	}
	if n := len(ch.Posted("CCMD")); n != pages {
		t.Errorf("%d run-out notices for %d pages", n, pages)
	}
}

func TestConcurrentAcknowledgementsOneWins(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	e.ok(t, "U1ALICE", "oncall page sre db down")
	var mu sync.Mutex
	var won, told []string
	var wg sync.WaitGroup
	for _, u := range []string{"U3CAROL", "U1ALICE", "U0CONSOLE"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := e.click(t, u, "oncall.ack", "PG-1", "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("%s: %v", u, err)
			case rep.ReplaceOriginal:
				won = append(won, u)
			default:
				told = append(told, rep.Text)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 || len(told) != 2 {
		t.Fatalf("won %v, told %v", won, told)
	}
	for _, m := range told {
		if !strings.Contains(m, "already acknowledged by <@"+won[0]+">") {
			t.Errorf("loser told %q, winner was %s", m, won[0])
		}
	}
}

func TestAckHookAndPermissions(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	var refs []string
	e.svc.OnAcknowledge(func(_ context.Context, ref, user string) { refs = append(refs, ref+"/"+user) })
	id, paged, err := e.svc.PageTarget(context.Background(), "bob", "INC-7: db down", "", "CINC", "INC-7")
	if err != nil || id != "PG-1" || strings.Join(paged, ",") != "U2BOB" {
		t.Fatalf("PageTarget = %s %v %v", id, paged, err)
	}
	// Carol is a viewer and was not paged.
	if _, err := e.click(t, "U3CAROL", "oncall.ack", id, ""); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Fatalf("viewer ack: %v", err)
	}
	if err := e.svc.Acknowledge(context.Background(), id, "U2BOB"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Acknowledge(context.Background(), id, "U1ALICE"); err != nil {
		t.Fatalf("acknowledging an acknowledged page: %v", err)
	}
	if strings.Join(refs, ",") != "INC-7/U2BOB" {
		t.Fatalf("hook heard %v", refs)
	}
	for _, bad := range []string{"ghost", "two words"} {
		if _, _, err := e.svc.PageTarget(context.Background(), bad, "x", "", "", ""); err == nil {
			t.Errorf("PageTarget(%q) succeeded", bad)
		}
	}
	_, err = e.run(t, "U1ALICE", "oncall page ghost hello")
	if !strings.Contains(bot.UserMessage(err), `I can't page "ghost": name a schedule (sre, dba), an escalation policy (urgent) or a person`) {
		t.Errorf("unknown target: %v", err)
	}
}
