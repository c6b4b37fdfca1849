package change

import (
	"testing"
	"time"

	"opsbot/bot/golden"
	"opsbot/commands/actions"
)

func goldenChange() *Change {
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	return &Change{ID: "CHG-7", Action: "restart", Values: map[string]string{"unit": "nginx"},
		Argv: []string{"sudo", "systemctl", "restart", "nginx"}, Selector: "web",
		Hosts: []actions.Host{{Name: "web-1", Env: "prod"}, {Name: "web-2", Env: "prod"}}, Risk: "high",
		Requester: "UALICE", Reason: "roll out <config> fix", Created: at, Expires: at.Add(4 * time.Hour),
		State: StateRequested, Channel: "CCHANGES", TS: "1.0"}
}

// TestMessageGolden pins the change message's Block Kit in each phase.
// Update with: go test ./commands/change -run TestMessageGolden -update
func TestMessageGolden(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 5, 0, 0, time.UTC)
	requested := goldenChange()
	running := goldenChange()
	running.State = StateRunning
	running.Approvals = []Approval{{User: "UBOB", At: now}}
	running.Progress = "CHG-7 restart unit=nginx: 1/2 hosts, 0 failed"
	succeeded := goldenChange()
	succeeded.State = StateSucceeded
	succeeded.Approvals = running.Approvals
	succeeded.Result = "2 succeeded, 0 failed, 0 skipped in 1.2s"
	scheduled := goldenChange()
	scheduled.State = StateApproved
	scheduled.Approvals = running.Approvals
	scheduled.WindowStart, scheduled.WindowEnd, scheduled.Zone = now.Add(16*time.Hour), now.Add(17*time.Hour), "Europe/Berlin"
	missed := goldenChange()
	missed.State = StateExpired
	missed.WindowStart, missed.WindowEnd, missed.Zone = scheduled.WindowStart, scheduled.WindowEnd, "UTC"
	missed.Result = "window missed: opsbot was not running during 2026-03-05 02:05–03:05 UTC; request it again"
	for name, c := range map[string]*Change{"requested": requested, "running": running, "succeeded": succeeded, "scheduled": scheduled, "missed": missed} {
		t.Run(name, func(t *testing.T) {
			golden.AssertJSON(t, "TestMessageGolden/"+name+".json", c.message(1))
		})
	}
}
