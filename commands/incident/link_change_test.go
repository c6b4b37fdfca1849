package incident_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/commands/change"
	"opsbot/commands/incident"
	"opsbot/integrations/redisstore"
	"opsbot/integrations/redisstore/redistest"
	"opsbot/internal/testkit"
	"opsbot/jobs/loop"
)

// The change desk is what cmd/opsbot gives the incident desk.
var _ incident.ChangeLookup = (*change.Service)(nil)

// knownChanges is a change desk that knows CHG-7; down makes it fail as
// a store that does not answer.
type knownChanges struct{ down bool }

func (k *knownChanges) Exists(_ context.Context, id string) (bool, error) {
	if k.down {
		return false, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return id == "CHG-7", nil
}

// TestLinkOnlyExistingChanges: given a change desk that knows CHG-7,
// linking CHG-7 works, linking CHG-99 is refused with what to do, and
// with the store down the link says so; nothing is linked but CHG-7.
func TestLinkOnlyExistingChanges(t *testing.T) {
	store := redisstore.New(redistest.Start(t).Client(t), "t")
	clock := testkit.NewClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
	changes := &knownChanges{}
	inc, err := incident.New(incident.Config{}, incident.Deps{Store: store, Chat: testkit.NewChat(),
		Steps: loop.New(store, loop.Options{Clock: clock.Now}), Clock: clock.Now, Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter("")
	if err := r.Register(inc.Commands()...); err != nil {
		t.Fatal(err)
	}
	do := func(text string) (*bot.Reply, error) {
		return r.Dispatch(context.Background(), &bot.Request{UserID: "U1ALICE", Channel: "CSRE", Role: bot.RoleAdmin, Text: text})
	}
	if _, err := do("incident open sev3 checkout slow"); err != nil {
		t.Fatal(err)
	}
	if _, err := do("incident link INC-1 chg-7"); err != nil {
		t.Fatalf("link CHG-7: %v", err)
	}
	_, err = do("incident link INC-1 CHG-99")
	if msg := bot.UserMessage(err); bot.ErrorCode(err) != bot.CodeNotFound || !strings.Contains(msg, "there is no change CHG-99") || !strings.Contains(msg, "`change list recent`") {
		t.Errorf("link CHG-99 = %v (%s)", err, msg)
	}
	changes.down = true
	_, err = do("incident link INC-1 change CHG-7")
	if msg := bot.UserMessage(err); bot.ErrorCode(err) != bot.CodeUnavailable || !strings.Contains(msg, "state store is unavailable") || strings.Contains(msg, "6379") {
		t.Errorf("link with the store down = %v (%s)", err, msg)
	}
	changes.down = false
	rep, err := do("incident timeline INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(rep.Text, "linked change"); n != 1 || strings.Contains(rep.Text, "CHG-99") {
		t.Errorf("timeline:\n%s", rep.Text)
	}
}
