package incident_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/golden"
	"opsbot/internal/testkit"
)

// The incident message through its life; rewrite the golden files with
// go test ./commands/incident -run TestLifecycle -update
func TestLifecycle(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	if got := e.ok(t, "U1ALICE", "incident open sev2 Checkout latency above 2s"); got != "Opened INC-1 (SEV2)." {
		t.Fatalf("open = %q", got)
	}
	golden.AssertJSON(t, "TestLifecycle/open.json", slack.Blocks{BlockSet: e.message(t).Blocks})

	c.Add(4 * time.Minute)
	if got := e.ok(t, "U2BOB", "incident ack INC-1"); got != "INC-1 acknowledged by <@U2BOB>." {
		t.Fatalf("ack = %q", got)
	}
	e.ok(t, "U2BOB", "incident role INC-1 commander me")
	e.ok(t, "U1ALICE", "incident role INC-1 comms <@U1ALICE|alice>")
	c.Add(10 * time.Minute)
	e.ok(t, "U2BOB", "incident note INC-1 replica lag at 40s")
	e.ok(t, "U2BOB", "incident status INC-1 failing over to the replica")
	if got := e.ok(t, "U2BOB", "incident sev INC-1 sev3"); got != "INC-1 is now SEV3." {
		t.Fatalf("sev = %q", got)
	}
	golden.AssertJSON(t, "TestLifecycle/acked.json", slack.Blocks{BlockSet: e.message(t).Blocks})

	c.Add(48 * time.Minute)
	got := e.ok(t, "U2BOB", "incident resolve INC-1 failed over; primary rebuilt")
	if !strings.HasPrefix(got, "INC-1 resolved by <@U2BOB> after 1h 2m.") {
		t.Fatalf("resolve = %q", got)
	}
	golden.AssertJSON(t, "TestLifecycle/resolved.json", slack.Blocks{BlockSet: e.message(t).Blocks})

	// Every transition is in the timeline, in order.
	tl := e.timeline(t, "INC-1")
	for _, want := range []string{
		"`03-10 09:00:00` <@U1ALICE> opened it: SEV2 Checkout latency above 2s",
		"`03-10 09:04:00` <@U2BOB> acknowledged",
		"`03-10 09:04:00` <@U2BOB> made <@U2BOB> commander",
		"`03-10 09:04:00` <@U1ALICE> made <@U1ALICE> comms",
		"`03-10 09:14:00` <@U2BOB> noted: replica lag at 40s",
		"`03-10 09:14:00` <@U2BOB> posted a status update: failing over to the replica",
		"`03-10 09:14:00` <@U2BOB> changed the severity: SEV2 → SEV3",
		"`03-10 10:02:00` <@U2BOB> resolved: failed over; primary rebuilt",
	} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline =\n%s\nwant a line %q", tl, want)
		}
	}
	// The status update went to the incident's thread.
	msgTS := e.chat.Posted("CSRE")[0].TS
	var status []testkit.Post
	for _, p := range e.chat.Posted("CSRE") {
		if p.Thread == msgTS {
			status = append(status, p)
		}
	}
	if len(status) != 1 || !strings.Contains(status[0].Msg.Text, "*INC-1 status update* (SEV2, Acknowledged by <@U2BOB>) from <@U2BOB>:\nfailing over to the replica") {
		t.Errorf("status updates in the thread = %+v", status)
	}

	// Reopen and resolve again.
	e.ok(t, "U1ALICE", "incident reopen INC-1")
	if m := e.message(t); !strings.Contains(m.Text, "open, not acknowledged") || len(m.Blocks[len(m.Blocks)-1].(*slack.ActionBlock).Elements.ElementSet) != 4 {
		t.Errorf("reopened message = %q", m.Text)
	}
	e.ok(t, "U1ALICE", "incident resolve INC-1")
}

func TestResolvedIncidentRefusesChange(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev3 disk filling on web-3")
	e.ok(t, "U1ALICE", "incident resolve INC-1 rotated logs")
	before := strings.Count(e.timeline(t, "INC-1"), "\n")
	resolved := "INC-1 is resolved (by <@U1ALICE> at 2026-03-10 09:00 CET), so it cannot be changed; `incident reopen INC-1` if it is back."
	for _, cmd := range []string{
		"incident ack INC-1", "incident resolve INC-1", "incident sev INC-1 sev1",
		"incident role INC-1 commander me", "incident status INC-1 still fine",
	} {
		if got := e.fails(t, bot.CodeConflict, "U2BOB", cmd); got != resolved {
			t.Errorf("%s: %q", cmd, got)
		}
	}
	// A stale button answers with the truth and changes nothing.
	rep, err := e.click(t, "U2BOB", "incident.ack", "INC-1")
	if err != nil || rep.Visibility != bot.VisibleToRequester || !strings.HasPrefix(rep.Text, resolved) || !strings.Contains(rep.Text, "Now: :large_green_circle: INC-1 (SEV3, resolved by <@U1ALICE>)") {
		t.Fatalf("stale click = %+v, %v", rep, err)
	}
	if after := strings.Count(e.timeline(t, "INC-1"), "\n"); after != before {
		t.Fatalf("refused changes wrote %d timeline entries", after-before)
	}
	// Notes still go in: the story goes on after resolution.
	e.ok(t, "U2BOB", "incident note INC-1 follow-up: alert on disk growth")
}

func TestMissingAndBadInput(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	ctx := context.Background()
	tests := []struct {
		cmd  string
		code bot.Code
		want string
	}{
		{"incident open sev5 db down", bot.CodeInvalid, `"sev5" is not a severity: use sev1 (worst) to sev4`},
		{"incident open sev2", bot.CodeInvalid, "give a severity and a title"},
		{"incident open sev2 " + strings.Repeat("x", 121), bot.CodeInvalid, "the title is 121 characters long; keep it under 120"},
		{"incident ack INC-9", bot.CodeNotFound, "there is no incident INC-9"},
		{"incident ack", bot.CodeInvalid, "say which incident (INC-42), or type this in the incident's thread or channel"},
		{"incident list sev9", bot.CodeInvalid, `"sev9" is not a filter`},
	}
	for _, tt := range tests {
		if got := e.fails(t, tt.code, "U1ALICE", tt.cmd); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.cmd, got, tt.want)
		}
	}
	// Nothing was numbered or stored by refused commands.
	if keys := e.store.Client().Keys(ctx, "t:{inc}*").Val(); len(keys) != 0 {
		t.Fatalf("refused commands left keys: %v", keys)
	}
	e.ok(t, "U1ALICE", "incident open sev4 cert expires in 20 days")
	for _, tt := range []struct{ cmd, want string }{
		{"incident sev INC-1 sev4", "INC-1 is already SEV4."},
		{"incident sev INC-1 urgent", `"urgent" is not a severity`},
		{"incident role INC-1 boss me", `"boss" is not a role: use commander, comms or ops`},
		{"incident role INC-1 commander bob", `"bob" is not a person`},
		{"incident reopen INC-1", "INC-1 is not resolved (Open, not acknowledged); there is nothing to reopen."},
	} {
		_, err := e.do(t, "U1ALICE", "CSRE", "", tt.cmd)
		if err == nil || !strings.Contains(bot.UserMessage(err), tt.want) {
			t.Errorf("%s: %v, want %q", tt.cmd, err, tt.want)
		}
	}
	e.ok(t, "U1ALICE", "incident role INC-1 commander U2BOB")
	if got := e.fails(t, bot.CodeConflict, "U1ALICE", "incident role INC-1 commander @U2BOB"); got != "<@U2BOB> is already commander of INC-1." {
		t.Errorf("same role: %q", got)
	}
}

func TestRolesNeedResponder(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev3 queue backlog")
	// Carol is a viewer: she may look, not act.
	e.ok(t, "U3CAROL", "incident show INC-1")
	for _, cmd := range []string{"incident role INC-1 commander me", "incident ack INC-1", "incident note INC-1 hi"} {
		e.fails(t, bot.CodeForbidden, "U3CAROL", cmd)
	}
	if _, err := e.click(t, "U3CAROL", "incident.commander", "INC-1"); bot.ErrorCode(err) != bot.CodeForbidden {
		t.Errorf("viewer pressed I'm commander: %v", err)
	}
	if strings.Contains(e.timeline(t, "INC-1"), "commander") {
		t.Error("a refused role change reached the timeline")
	}
}

func TestConcurrentAcknowledgements(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	other := newEnv(t, srv, c, opts{chat: e.chat}) // a second replica
	e.ok(t, "U1ALICE", "incident open sev2 api 5xx")
	type result struct {
		user string
		rep  *bot.Reply
		err  error
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	for i, u := range []string{"U1ALICE", "U2BOB", "U0CONSOLE", "U1ALICE", "U2BOB", "U0CONSOLE"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e
			if i%2 == 1 {
				r = other
			}
			var rep *bot.Reply
			var err error
			if i < 3 {
				rep, err = r.click(t, u, "incident.ack", "INC-1")
			} else {
				rep, err = r.do(t, u, "CSRE", "", "incident ack INC-1")
			}
			mu.Lock()
			results = append(results, result{u, rep, err})
			mu.Unlock()
		}()
	}
	wg.Wait()
	inc := e.ok(t, "U3CAROL", "incident show INC-1")
	winner := strings.TrimSuffix(strings.TrimPrefix(inc[strings.Index(inc, "acknowledged by <@"):], "acknowledged by <@"), ">): api 5xx")
	truth := "INC-1 was already acknowledged by <@" + winner + "> at 2026-03-10 09:00 CET."
	wins := 0
	for _, r := range results {
		switch {
		case r.err == nil && r.rep == nil, r.err == nil && strings.HasPrefix(r.rep.Text, "INC-1 acknowledged by"):
			wins++
		case r.err != nil && bot.UserMessage(r.err) == truth:
		case r.rep != nil && strings.HasPrefix(r.rep.Text, truth):
		default:
			t.Errorf("%s got %+v, %v; want the truth %q", r.user, r.rep, r.err, truth)
		}
	}
	if wins != 1 {
		t.Fatalf("%d acknowledgements won, want 1", wins)
	}
	if n := strings.Count(e.timeline(t, "INC-1"), "acknowledged"); n != 1 {
		t.Fatalf("%d acknowledgements in the timeline", n)
	}
}

func TestIncidentOfThreadAndChannel(t *testing.T) {
	srv, c := start(t)
	cfg := testConfig()
	cfg.ChannelPerIncident = true
	e := newEnv(t, srv, c, opts{cfg: &cfg, channels: true})
	got := e.ok(t, "U1ALICE", "incident open sev1 DB latency: p99 > 3s!")
	if got != "Opened INC-1 (SEV1). Paged <@U3CAROL> (PG-1). Its channel: <#CINC1>." {
		t.Fatalf("open = %q", got)
	}
	if e.channels.created[0] != "inc-1-db-latency-p99-3s" || e.channels.invited[0] != "CINC1:U1ALICE,U3CAROL" || len(e.channels.pinned) != 1 {
		t.Fatalf("channel: %+v", e.channels)
	}
	origin := e.chat.Posted("CSRE")[0]
	// In the incident message's thread, the id may be left out.
	if _, err := e.do(t, "U2BOB", "CSRE", origin.TS, "incident ack"); err != nil {
		t.Fatal(err)
	}
	// And in the incident's channel.
	if _, err := e.do(t, "U2BOB", "CINC1", "", "incident status looking at the slow query log"); err != nil {
		t.Fatal(err)
	}
	// A thread of another message is no incident's.
	if _, err := e.do(t, "U2BOB", "CSRE", "1.000001", "incident note hello"); bot.ErrorCode(err) != bot.CodeInvalid {
		t.Fatalf("unmapped thread: %v", err)
	}
	// Both copies of the message show the acknowledgement; the status
	// update went to the thread and to the channel.
	for _, ch := range []string{"CSRE", "CINC1"} {
		ts := e.chat.Posted(ch)[0].TS
		if m := e.chat.Last(ch, ts); !strings.Contains(m.Text, "acknowledged by <@U2BOB>") {
			t.Errorf("message in %s = %q", ch, m.Text)
		}
	}
	if p := e.chat.Posted("CINC1"); len(p) != 2 || p[1].Thread != "" || !strings.Contains(p[1].Msg.Text, "looking at the slow query log") {
		t.Errorf("incident channel got %+v", p)
	}
	// The page was acknowledged with the incident.
	if pages, acks := e.pager.got(); pages != "sre|INC-1 SEV1: DB latency: p99 > 3s!|INC-1" || acks != "PG-1|U2BOB" {
		t.Errorf("pager saw pages %q, acks %q", pages, acks)
	}

	// Without a way to make channels (the console) it says so.
	plainEnv := newEnv(t, srv, c, opts{cfg: &cfg})
	got = plainEnv.ok(t, "U1ALICE", "incident open sev4 noisy alert")
	if !strings.Contains(got, "Note: no channel of its own: this transport cannot create channels.") {
		t.Errorf("open without channels = %q", got)
	}
}

func TestPagingSeverities(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, opts{})
	e.ok(t, "U1ALICE", "incident open sev3 search is slow")
	if pages, _ := e.pager.got(); pages != "" {
		t.Fatalf("sev3 paged %q", pages)
	}
	// Raising to a paging severity pages.
	e.ok(t, "U1ALICE", "incident sev INC-1 sev1")
	if pages, _ := e.pager.got(); pages != "sre|INC-1 SEV1: search is slow|INC-1" {
		t.Fatalf("raise to sev1 paged %q", pages)
	}
	if m := e.message(t); !strings.Contains(blocksText(m.Blocks), "<@U3CAROL> (PG-1)") {
		t.Errorf("message after paging lacks the page: %s", blocksText(m.Blocks))
	}
	// Acknowledging the page (oncall's hook) acknowledges the incident.
	e.svc.AcknowledgeFromPage(context.Background(), "INC-1", "U3CAROL")
	if m := e.message(t); !strings.Contains(m.Text, "acknowledged by <@U3CAROL>") {
		t.Errorf("after page ack: %q", m.Text)
	}
	// Reopened, it pages again.
	e.ok(t, "U2BOB", "incident resolve INC-1")
	e.ok(t, "U2BOB", "incident reopen INC-1")
	if pages, acks := e.pager.got(); pages != "sre|INC-1 SEV1: search is slow|INC-1,sre|INC-1 SEV1: search is slow|INC-1" || acks != "PG-1|U3CAROL,PG-1|U2BOB" {
		t.Errorf("after reopening: pages %q, acks %q", pages, acks)
	}
	if m := e.message(t); !strings.Contains(blocksText(m.Blocks), "(PG-2)") {
		t.Errorf("reopened message lacks the new page: %s", blocksText(m.Blocks))
	}
	// A failed page is reported and the incident stands.
	cfg := testConfig()
	cfg.Severities["sev1"] = incidentSev("nobody")
	f := newEnv(t, srv, c, opts{cfg: &cfg})
	if got := f.ok(t, "U1ALICE", "incident open sev1 everything is down"); !strings.Contains(got, "Opened INC-2 (SEV1).\nNote: paging nobody failed: nobody is on call for nobody right now.") {
		t.Errorf("open with a failing page = %q", got)
	}
}

func blocksText(blocks []slack.Block) string {
	var b strings.Builder
	for _, bl := range blocks {
		if s, ok := bl.(*slack.SectionBlock); ok {
			if s.Text != nil {
				b.WriteString(s.Text.Text + "\n")
			}
			for _, f := range s.Fields {
				b.WriteString(f.Text + "\n")
			}
		}
	}
	return b.String()
}
