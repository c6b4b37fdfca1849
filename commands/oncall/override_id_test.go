package oncall_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/oncall"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// TestRemoveOverrideReadsIDsAsTyped: override ids (OVR-n) are found
// whatever their case, with the prefix left out or cut short, and what
// is no id is refused with an example of one.
func TestRemoveOverrideReadsIDsAsTyped(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	clock := testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
	oc, err := oncall.New(oncall.Config{
		People:    map[string]string{"bob": "U2BOB"},
		Schedules: []oncall.ScheduleConfig{{Name: "sre", Zone: "Europe/Berlin", Users: []string{"U3CAROL"}, Shift: "1w", Handoff: "monday 09:00", Start: "2026-03-09"}},
	}, oncall.Deps{Store: store, Chat: testkit.NewChat(), Steps: loop.New(store, loop.Options{Clock: clock.Now}), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter("")
	if err := r.Register(oc.Commands()...); err != nil {
		t.Fatal(err)
	}
	do := func(text string) (string, error) {
		rep, err := r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Role: bot.RoleAdmin, Text: text})
		if err != nil {
			return bot.UserMessage(err), err
		}
		return rep.Text, nil
	}
	for i, typed := range []string{"OV-1", "ovr-2", "3", "#4", "Ovr-05", "ovr6"} {
		if _, err := do("oncall override sre bob now 1h"); err != nil {
			t.Fatal(err)
		}
		want := "Removed override OVR-" + string(rune('1'+i)) + " "
		if got, err := do("oncall remove-override " + typed); err != nil || !strings.HasPrefix(got, want) {
			t.Errorf("remove-override %s = %q, %v; want %q…", typed, got, err, want)
		}
	}
	for _, typed := range []string{"OV-", "OVR-x", "bob", "OVR-0", "INC-1"} {
		got, err := do("oncall remove-override " + typed)
		if bot.ErrorCode(err) != bot.CodeInvalid || !strings.Contains(got, "like OVR-4") {
			t.Errorf("remove-override %s = %q, %v; want it refused with an example", typed, got, err)
		}
	}
	if got, err := do("oncall remove-override OVR-99"); bot.ErrorCode(err) != bot.CodeNotFound || !strings.Contains(got, "there is no override OVR-99") {
		t.Errorf("remove-override OVR-99 = %q, %v", got, err)
	}
}
