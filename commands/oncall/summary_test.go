package oncall_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/oncall"
)

// The summary's on-call section: who is on now and next per schedule,
// an override counted as on call, the handoffs of the next 24 hours;
// past twelve schedules the rest are counted, so it fits one block.
func TestSummarySection(t *testing.T) {
	srv, c := start(t)
	e := newEnv(t, srv, c, testConfig(), nil)
	e.ok(t, "U1ALICE", "oncall override dba bob now 2h")
	r := bot.SummaryRequest{Now: c.Now(), Loc: time.UTC}

	sec, err := e.svc.SummarySection(context.Background(), r)
	if err != nil || sec == nil {
		t.Fatalf("section = %v, %v", sec, err)
	}
	for _, want := range []string{
		"• *sre*: <@U3CAROL> until <!date^1773216000^{date_short_pretty} {time}|2026-03-11 08:00 UTC>, then <@U1ALICE>\n    handoffs in the next 24 h: <!date^1773216000^{date_short_pretty} {time}|2026-03-11 08:00 UTC> → <@U1ALICE>\n",
		"• *dba*: <@U2BOB> (override OVR-1) until <!date^1773136800^{date_short_pretty} {time}|2026-03-10 10:00 UTC>, then <@U0CONSOLE>\n    handoffs in the next 24 h: <!date^1773136800^{date_short_pretty} {time}|2026-03-10 10:00 UTC> → <@U0CONSOLE>",
	} {
		if !strings.Contains(sec.Text, want) {
			t.Errorf("section lacks %q:\n%s", want, sec.Text)
		}
	}

	cfg := oncall.Config{}
	for i := range 15 {
		cfg.Schedules = append(cfg.Schedules, oncall.ScheduleConfig{Name: fmt.Sprintf("team-%02d", i), Zone: "UTC", Users: []string{"U1ALICE", "U2BOB"},
			Shift: "24h", Handoff: "09:00", Start: "2026-03-01"})
	}
	many := newEnv(t, srv, c, cfg, nil)
	sec, err = many.svc.SummarySection(context.Background(), r)
	if err != nil || !strings.Contains(sec.Text, "*team-11*") || strings.Contains(sec.Text, "*team-12*") || !strings.HasSuffix(sec.Text, "…and 3 more schedules: `oncall who`") {
		t.Errorf("15 schedules: %v\n%s", err, sec.Text)
	}

	none, err := newEnv(t, srv, c, oncall.Config{}, nil).svc.SummarySection(context.Background(), r)
	if none != nil || err != nil {
		t.Errorf("no schedules: %v, %v; want nothing to say", none, err)
	}
}
