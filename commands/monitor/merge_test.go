package monitor

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// notification is one of Alertmanager's for a group whose alerts are
// numbered: firingFrom..firingTo-1 fire, resolvedFrom..resolvedTo-1 have
// just resolved (alert i ended i seconds after t0), and the rest are not
// listed (resolved in an earlier notification, so not sent again).
func notification(groupKey string, labels map[string]string, firingFrom, firingTo, resolvedFrom, resolvedTo int) alertmanager.Message {
	all := payload(groupKey, alertmanager.StatusFiring, labels, max(firingTo, resolvedTo), t0)
	m := all
	m.Alerts = nil
	for i, a := range all.Alerts {
		switch {
		case i >= resolvedFrom && i < resolvedTo:
			a.Status, a.EndsAt = alertmanager.StatusResolved, t0.Add(time.Duration(i)*time.Second)
			m.Alerts = append(m.Alerts, a)
		case i >= firingFrom && i < firingTo:
			m.Alerts = append(m.Alerts, a)
		}
	}
	if firingTo <= firingFrom {
		m.Status = alertmanager.StatusResolved
	}
	return m
}

// Alertmanager lists a resolved alert only in the first notification
// after it resolves: 100 firing, then 40 resolved with 60 firing, then the
// last 60 resolved must read as 100 resolved, not 60.
func TestResolvedAlertsStayInTheirGroup(t *testing.T) {
	chat := testkit.NewChat()
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat})
	ctx := context.Background()
	labels := map[string]string{"alertname": "DiskFull"}
	for i, m := range []alertmanager.Message{
		notification("g1", labels, 0, 100, 0, 0),
		notification("g1", labels, 40, 100, 0, 40),
		notification("g1", labels, 0, 0, 40, 100),
	} {
		if code := post(t, s.Webhook(), m); code != 200 {
			t.Fatalf("notification %d: %d", i+1, code)
		}
		if err := s.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		g, err := s.st.load(ctx, groupID("C1", "g1"))
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]int{{100, 0}, {60, 40}, {0, 100}}[i]
		if tl := g.tally(); tl.Firing != want[0] || tl.Resolved != want[1] || len(g.Msg.Alerts) != 100 {
			t.Errorf("after notification %d: %d firing, %d resolved, %d alerts kept; want %v and 100 kept", i+1, tl.Firing, tl.Resolved, len(g.Msg.Alerts), want)
		}
	}
	card := latestText(chat, chat.Posts()[0].TS)
	for _, want := range []string{"RESOLVED: DiskFull* · 100 resolved", "… and 92 more alerts (0 firing, 92 resolved)"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
}

// A firing alert a complete notification no longer lists (resolved while
// a notification was lost, or muted) stops counting as firing, so the
// group's header agrees with Alertmanager.
func TestUnlistedFiringAlertCountsResolved(t *testing.T) {
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat()})
	ctx := context.Background()
	labels := map[string]string{"alertname": "DiskFull"}
	post(t, s.Webhook(), notification("g1", labels, 0, 10, 0, 0))
	post(t, s.Webhook(), notification("g1", labels, 0, 6, 0, 0))
	g, err := s.st.load(ctx, groupID("C1", "g1"))
	if err != nil {
		t.Fatal(err)
	}
	if tl := g.tally(); tl.Firing != 6 || tl.Resolved != 4 {
		t.Errorf("%d firing, %d resolved; want 6 and 4", tl.Firing, tl.Resolved)
	}
	_, resolved := countAlerts(g.Msg.Alerts)
	if resolved != 4 {
		t.Errorf("%d kept alerts read resolved, want 4", resolved)
	}
	for _, a := range g.Msg.Alerts {
		if !a.Firing() && a.EndsAt.IsZero() {
			t.Errorf("alert %s resolved without an end", a.Fingerprint)
		}
	}
	// A notification that left alerts out (truncatedAlerts) says nothing
	// about those it does not list.
	m := notification("g1", labels, 0, 2, 0, 0)
	m.TruncatedAlerts = 4
	post(t, s.Webhook(), m)
	if g, _ = s.st.load(ctx, groupID("C1", "g1")); g.tally().Firing != 6 {
		t.Errorf("a truncated notification changed the firing count to %d", g.tally().Firing)
	}
}

// A group keeps at most maxAlerts alerts: the oldest resolved go first
// and are still counted, firing alerts are never dropped.
func TestKeptAlertsAreBounded(t *testing.T) {
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: testkit.NewChat()})
	s.st.maxAlerts = 15
	ctx := context.Background()
	labels := map[string]string{"alertname": "DiskFull"}
	post(t, s.Webhook(), notification("g1", labels, 0, 30, 0, 0))
	g, err := s.st.load(ctx, groupID("C1", "g1"))
	if err != nil {
		t.Fatal(err)
	}
	if tl := g.tally(); tl.Firing != 30 || len(g.Msg.Alerts) != 30 {
		t.Errorf("%d firing, %d kept; want every firing alert kept (30)", tl.Firing, len(g.Msg.Alerts))
	}
	post(t, s.Webhook(), notification("g1", labels, 20, 30, 0, 20))
	g, _ = s.st.load(ctx, groupID("C1", "g1"))
	tl := g.tally()
	if tl.Firing != 10 || tl.Resolved != 20 || tl.Dropped != 15 || len(g.Msg.Alerts) != 15 {
		t.Errorf("%d firing, %d resolved (%d dropped), %d kept; want 10, 20 (15), 15", tl.Firing, tl.Resolved, tl.Dropped, len(g.Msg.Alerts))
	}
	// The resolved alerts kept are the newest ones.
	for _, a := range g.Msg.Alerts {
		if !a.Firing() && a.EndsAt.Before(t0.Add(15*time.Second)) {
			t.Errorf("an older resolved alert (ended %v) was kept over newer ones", a.EndsAt)
		}
	}
	post(t, s.Webhook(), notification("g1", labels, 25, 30, 20, 25))
	g, _ = s.st.load(ctx, groupID("C1", "g1"))
	tl = g.tally()
	if tl.Firing != 5 || tl.Resolved != 25 || len(g.Msg.Alerts) != 15 {
		t.Errorf("%d firing, %d resolved, %d kept; want 5, 25, 15", tl.Firing, tl.Resolved, len(g.Msg.Alerts))
	}
}

// A group that fires again after its resolve was shown starts a new
// episode with none of the old episode's alerts.
func TestNewEpisodeStartsWithItsOwnAlerts(t *testing.T) {
	chat := testkit.NewChat()
	s := newTestService(t, Config{DefaultChannel: "C1"}, Deps{Chat: chat})
	ctx := context.Background()
	labels := map[string]string{"alertname": "DiskFull"}
	for _, m := range []alertmanager.Message{notification("g1", labels, 0, 5, 0, 0), notification("g1", labels, 0, 0, 0, 5)} {
		post(t, s.Webhook(), m)
		if err := s.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	post(t, s.Webhook(), notification("g1", labels, 7, 9, 0, 0))
	if err := s.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	posts := chat.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want a new message for the new episode", len(posts))
	}
	if got := latestText(chat, posts[1].TS); !strings.Contains(got, `FIRING: DiskFull* · 2 firing"`) {
		t.Errorf("new episode's message counts the old alerts:\n%s", got)
	}
	if got := latestText(chat, posts[0].TS); !strings.Contains(got, "RESOLVED: DiskFull* · 5 resolved") {
		t.Errorf("old episode's message changed:\n%s", got)
	}
}
