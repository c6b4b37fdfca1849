package change

import (
	"strings"
	"testing"
	"time"

	"opsbot/commands/runner"
)

func TestConfigValidate(t *testing.T) {
	cfg := Config{Approvals: 11, ApproverRole: "boss", Expiry: time.Second, Freezes: []FreezeConfig{
		{Start: "every friday", Duration: time.Hour}, {Start: "0 18 * * 5", TimeZone: "Mars/Base"},
	}, Policy: runner.Policy{StopAboveFraction: 1.5}, TimeZone: "Moon/Crater", WindowLength: 48 * time.Hour, RunTimeout: time.Second}
	var got []string
	for _, e := range cfg.Validate() {
		got = append(got, e.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"approvals: 11", "approver_role: unknown role", "expiry: 1s is too short", "freezes[0].start: \"every friday\"",
		"freezes[1].duration", "freezes[1].time_zone: \"Mars/Base\"",
		"stop_above_fraction: 1.5", "time_zone: \"Moon/Crater\"", "window_length: 48h0m0s", "run_timeout: 1s is too short"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if errs := (Config{Freezes: []FreezeConfig{{Start: "0 18 * * 5", Duration: 64 * time.Hour, TimeZone: "Europe/Berlin"}}}).Validate(); len(errs) != 0 {
		t.Errorf("valid config refused: %v", errs)
	}
}

func TestFreezeWindow(t *testing.T) {
	p, errs := Config{Freezes: []FreezeConfig{{Name: "weekend", Start: "0 18 * * 5", Duration: 62 * time.Hour, TimeZone: "Europe/Berlin"}}}.compile()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 6, 17, 59, 0, 0, berlin), ""},
		{time.Date(2026, 3, 6, 18, 0, 0, 0, berlin), "weekend"},
		{time.Date(2026, 3, 8, 12, 0, 0, 0, berlin), "weekend"},
		{time.Date(2026, 3, 9, 7, 59, 0, 0, berlin), "weekend"},
		{time.Date(2026, 3, 9, 8, 0, 0, 0, berlin), ""},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			if got := p.frozen(tt.at.UTC()); got != tt.want {
				t.Errorf("frozen = %q, want %q", got, tt.want)
			}
		})
	}
}
