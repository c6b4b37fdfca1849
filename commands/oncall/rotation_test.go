package oncall

import (
	"testing"
	"time"
)

func mustSchedule(t *testing.T, sc ScheduleConfig) *Schedule {
	t.Helper()
	s, errs := sc.compile()
	if len(errs) > 0 {
		t.Fatalf("compile %s: %v", sc.Name, errs)
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Berlin: summer time starts 2026-03-29 02:00 (CET→CEST) and ends
// 2026-10-25 03:00. New York: 2026-03-08 02:00 and 2026-11-01 02:00.
func TestShiftAtAcrossDST(t *testing.T) {
	abc := []string{"UAA", "UBB", "UCC"}
	berlinDaily := ScheduleConfig{Name: "b", Zone: "Europe/Berlin", Users: abc, Shift: "24h", Handoff: "09:00", Start: "2026-03-27"}
	berlinAutumn := berlinDaily
	berlinAutumn.Start = "2026-10-23"
	nyDaily := ScheduleConfig{Name: "n", Zone: "America/New_York", Users: abc, Shift: "24h", Handoff: "09:00", Start: "2026-03-06"}
	nyAutumn := nyDaily
	nyAutumn.Start = "2026-10-30"
	berlinWeekly := ScheduleConfig{Name: "w", Zone: "Europe/Berlin", Users: abc, Shift: "1w", Handoff: "monday 09:00", Start: "2026-03-20"}
	nyHalfDay := ScheduleConfig{Name: "h", Zone: "America/New_York", Users: abc, Shift: "12h", Handoff: "08:00", Start: "2026-03-07"}

	tests := []struct {
		name       string
		sc         ScheduleConfig
		at         string // UTC
		user       string
		start, end string // UTC
	}{
		{"berlin before start", berlinDaily, "2026-03-27 07:59", "", "", "2026-03-27 08:00"},
		{"berlin first shift", berlinDaily, "2026-03-27 08:00", "UAA", "2026-03-27 08:00", "2026-03-28 08:00"},
		{"berlin spring shift lasts 23h", berlinDaily, "2026-03-29 06:59", "UBB", "2026-03-28 08:00", "2026-03-29 07:00"},
		{"berlin spring handoff at 09:00 CEST", berlinDaily, "2026-03-29 07:00", "UCC", "2026-03-29 07:00", "2026-03-30 07:00"},
		{"berlin during the gap", berlinDaily, "2026-03-29 01:30", "UBB", "2026-03-28 08:00", "2026-03-29 07:00"},
		{"berlin rotation wraps", berlinDaily, "2026-03-30 07:00", "UAA", "2026-03-30 07:00", "2026-03-31 07:00"},
		{"berlin autumn shift lasts 25h", berlinAutumn, "2026-10-25 07:30", "UBB", "2026-10-24 07:00", "2026-10-25 08:00"},
		{"berlin autumn during the repeated hour", berlinAutumn, "2026-10-25 00:30", "UBB", "2026-10-24 07:00", "2026-10-25 08:00"},
		{"berlin autumn handoff at 09:00 CET", berlinAutumn, "2026-10-25 08:00", "UCC", "2026-10-25 08:00", "2026-10-26 08:00"},
		{"new york spring shift lasts 23h", nyDaily, "2026-03-08 12:59", "UBB", "2026-03-07 14:00", "2026-03-08 13:00"},
		{"new york spring handoff at 09:00 EDT", nyDaily, "2026-03-08 13:00", "UCC", "2026-03-08 13:00", "2026-03-09 13:00"},
		{"new york autumn shift lasts 25h", nyAutumn, "2026-11-01 13:59", "UBB", "2026-10-31 13:00", "2026-11-01 14:00"},
		{"new york autumn handoff at 09:00 EST", nyAutumn, "2026-11-01 14:00", "UCC", "2026-11-01 14:00", "2026-11-02 14:00"},
		{"weekly starts on the first monday", berlinWeekly, "2026-03-22 12:00", "", "", "2026-03-23 08:00"},
		{"weekly shift over the spring change lasts 167h", berlinWeekly, "2026-03-30 06:59", "UAA", "2026-03-23 08:00", "2026-03-30 07:00"},
		{"weekly handoff monday 09:00 CEST", berlinWeekly, "2026-03-30 07:00", "UBB", "2026-03-30 07:00", "2026-04-06 07:00"},
		{"new york 12h shift over the gap lasts 11h", nyHalfDay, "2026-03-08 06:00", "UBB", "2026-03-08 01:00", "2026-03-08 12:00"},
		{"new york 12h shift after the gap", nyHalfDay, "2026-03-08 12:00", "UCC", "2026-03-08 12:00", "2026-03-09 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.sc)
			got := s.ShiftAt(utc(tt.at))
			if got.User != tt.user {
				t.Errorf("user = %q, want %q", got.User, tt.user)
			}
			if tt.start != "" && !got.Start.Equal(utc(tt.start)) {
				t.Errorf("start = %v, want %s UTC", got.Start.UTC(), tt.start)
			}
			if !got.End.Equal(utc(tt.end)) {
				t.Errorf("end = %v, want %s UTC", got.End.UTC(), tt.end)
			}
		})
	}
}

// Shifts tile time: every moment is in exactly one shift, and the next
// shift starts where the last ended, through both changes of the year,
// even for handoffs inside the spring gap (a shift there may come out
// empty and is skipped) or the autumn repeat.
func TestShiftsTileTime(t *testing.T) {
	for _, sc := range []ScheduleConfig{
		{Name: "a", Zone: "Europe/Berlin", Users: []string{"UAA", "UBB"}, Shift: "24h", Handoff: "02:30", Start: "2026-01-01"},
		{Name: "b", Zone: "America/New_York", Users: []string{"UAA", "UBB"}, Shift: "1h", Handoff: "00:00", Start: "2026-01-01"},
		{Name: "c", Zone: "America/New_York", Users: []string{"UAA", "UBB", "UCC"}, Shift: "5h", Handoff: "01:30", Start: "2026-01-01"},
		{Name: "d", Zone: "Europe/Berlin", Users: []string{"UAA"}, Shift: "1w", Handoff: "sunday 02:30", Start: "2026-01-01"},
	} {
		t.Run(sc.Name, func(t *testing.T) {
			s := mustSchedule(t, sc)
			for _, from := range []string{"2026-03-06 00:00", "2026-03-27 00:00", "2026-10-23 00:00", "2026-10-30 00:00"} {
				var prev Shift
				for at := utc(from); at.Before(utc(from).Add(4 * 24 * time.Hour)); at = at.Add(7 * time.Minute) {
					sh := s.ShiftAt(at)
					if at.Before(sh.Start) || !at.Before(sh.End) {
						t.Fatalf("at %v: shift %d is [%v, %v)", at, sh.Index, sh.Start, sh.End)
					}
					if prev.End.After(time.Time{}) && sh.Index != prev.Index && (sh.Index < prev.Index || !sh.Start.Equal(prev.End)) {
						t.Fatalf("at %v: shift %d [%v, %v) does not follow %d [%v, %v)", at, sh.Index, sh.Start, sh.End, prev.Index, prev.Start, prev.End)
					}
					prev = sh
				}
			}
		})
	}
}

func TestOverridesOverTheRotation(t *testing.T) {
	s := mustSchedule(t, ScheduleConfig{Name: "b", Zone: "Europe/Berlin", Users: []string{"UAA", "UBB", "UCC"}, Shift: "24h", Handoff: "09:00", Start: "2026-03-27"})
	// An override through the spring night, and a newer one inside it.
	night := Override{ID: "OVR-1", Seq: 1, User: "UX", Start: utc("2026-03-28 20:00"), End: utc("2026-03-29 08:00")}
	inner := Override{ID: "OVR-2", Seq: 2, User: "UY", Start: utc("2026-03-29 00:00"), End: utc("2026-03-29 02:00")}
	// An older override starting earlier but ending later loses where the newer one is.
	ovs := []Override{night, inner}

	tests := []struct {
		at       string
		user     string
		override string
		end      string
	}{
		{"2026-03-28 19:59", "UBB", "", "2026-03-28 20:00"},
		{"2026-03-28 20:00", "UX", "OVR-1", "2026-03-29 00:00"},
		{"2026-03-29 01:00", "UY", "OVR-2", "2026-03-29 02:00"},
		{"2026-03-29 02:00", "UX", "OVR-1", "2026-03-29 08:00"},
		{"2026-03-29 07:30", "UX", "OVR-1", "2026-03-29 08:00"}, // the override outlasts the 09:00 CEST handoff
		{"2026-03-29 08:00", "UCC", "", "2026-03-30 07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			g := segmentAt(s, ovs, utc(tt.at))
			id := ""
			if g.Override != nil {
				id = g.Override.ID
			}
			if g.User != tt.user || id != tt.override || !g.End.Equal(utc(tt.end)) {
				t.Errorf("segment = %s via %q until %v; want %s via %q until %s", g.User, id, g.End.UTC(), tt.user, tt.override, tt.end)
			}
		})
	}
	segs := segments(s, ovs, utc("2026-03-28 12:00"), utc("2026-03-29 12:00"))
	var got []string
	for _, g := range segs {
		got = append(got, g.User+"@"+g.Start.UTC().Format("02 15:04"))
	}
	want := "UBB@28 12:00 UX@28 20:00 UY@29 00:00 UX@29 02:00 UCC@29 08:00"
	if j := join(got); j != want {
		t.Errorf("segments = %s\nwant       %s", j, want)
	}
}

func join(l []string) string {
	out := ""
	for i, s := range l {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

func TestConfigValidate(t *testing.T) {
	cfg := Config{
		People: map[string]string{"alice": "alice"},
		Schedules: []ScheduleConfig{
			{Name: "sre", Zone: "Mars/Olympus", Users: []string{"u1", "bob"}, Shift: "3d2x", Handoff: "funday 9", Start: "2026/01/01", Channel: "#ops"},
			{Name: "Bad Name", Zone: "UTC", Users: []string{"U1AA"}, Shift: "24h", Handoff: "09:00", Start: "2026-01-01"},
			{Name: "ok", Zone: "UTC", Users: []string{"U1AA"}, Shift: "30m", Handoff: "09:00", Start: "2026-01-01", EscalationPolicy: "nope"},
		},
		Policies: []PolicyConfig{{Name: "p", Levels: []LevelConfig{{}, {Schedule: "ghost", After: "5s"}}}},
	}
	want := []string{
		`people.alice: "alice" is not a Slack user id`,
		`schedules[0].zone: "Mars/Olympus" is not a known IANA time zone`,
		`schedules[0].users[0]: "u1" is not a Slack user id`,
		`schedules[0].users[1]: "bob" is not a Slack user id`,
		`schedules[0].shift: "3d2x"`,
		`schedules[0].handoff: "funday 9": "funday" is not a weekday`,
		`schedules[0].start: "2026/01/01"`,
		`schedules[0].channel: "#ops" is not a channel id`,
		`schedules[1].name: "Bad Name"`,
		`schedules[2].shift: "30m": a shift lasts from 1h to 4w`,
		`policies[0].levels[0]: name a schedule or users`,
		`policies[0].levels[1].schedule: no schedule is called "ghost"`,
		`policies[0].levels[1].after: "5s"`,
		`schedules[2].escalation_policy: no policy is called "nope" (known: p)`,
	}
	errs := cfg.Validate()
	if len(errs) != len(want) {
		for _, e := range errs {
			t.Log(e)
		}
		t.Fatalf("%d errors, want %d", len(errs), len(want))
	}
	for i, w := range want {
		if got := errs[i].Error(); len(got) < len(w) || got[:len(w)] != w {
			t.Errorf("error %d = %q\nwant prefix %q", i, got, w)
		}
	}
}
