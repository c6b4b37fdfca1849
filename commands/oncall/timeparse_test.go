package oncall

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	fri := utc("2026-03-27 09:00") // Friday 10:00 CET, two days before summer time
	tests := []struct {
		in         string
		loc        *time.Location
		now        time.Time
		start, end string // UTC
		err        string
	}{
		{"now 4h", berlin, fri, "2026-03-27 09:00", "2026-03-27 13:00", ""},
		{"NOW 90m", berlin, fri, "2026-03-27 09:00", "2026-03-27 10:30", ""},
		{"now 1h30m", berlin, fri, "2026-03-27 09:00", "2026-03-27 10:30", ""},
		{"tomorrow 09:00 8h", berlin, fri, "2026-03-28 08:00", "2026-03-28 16:00", ""},
		{"today 18:00 20:00", berlin, fri, "2026-03-27 17:00", "2026-03-27 19:00", ""},
		{"09:00 2h", berlin, fri, "2026-03-28 08:00", "2026-03-28 10:00", ""},    // 09:00 has passed today
		{"18:00 02:00", berlin, fri, "2026-03-27 17:00", "2026-03-28 01:00", ""}, // the end wraps past midnight
		{"2026-12-24 18:00 2026-12-27 09:00", berlin, fri, "2026-12-24 17:00", "2026-12-27 08:00", ""},
		{"2026-12-24T18:00 3h", berlin, fri, "2026-12-24 17:00", "2026-12-24 20:00", ""},
		{"2026-12-24 2026-12-25", berlin, fri, "2026-12-23 23:00", "2026-12-24 23:00", ""},
		{"friday 18:00 monday 09:00", berlin, fri, "2026-03-27 17:00", "2026-03-30 07:00", ""}, // Monday is in summer time
		{"fri 08:00 4h", berlin, fri, "2026-04-03 06:00", "2026-04-03 10:00", ""},              // Friday 08:00 has passed: next week
		{"sat 22:00 1d", berlin, fri, "2026-03-28 21:00", "2026-03-29 20:00", ""},              // 1d keeps 22:00: 23h elapsed
		{"sat 22:00 24h", berlin, fri, "2026-03-28 21:00", "2026-03-29 21:00", ""},             // 24h is elapsed time
		{"now 1w", berlin, fri, "2026-03-27 09:00", "2026-04-03 08:00", ""},
		{"2026-10-25 02:30 1h", berlin, fri, "2026-10-25 00:30", "2026-10-25 01:30", ""}, // ambiguous: the first 02:30
		{"2026-11-01 01:30 1h", ny, fri, "2026-11-01 05:30", "2026-11-01 06:30", ""},
		{"2026-03-08 03:00 1d", ny, utc("2026-03-01 12:00"), "2026-03-08 07:00", "2026-03-09 07:00", ""},

		{"2026-03-29 02:30 2h", berlin, fri, "", "", "2026-03-29 02:30 does not exist in Europe/Berlin: that night the clocks jump from 02:00 to 03:00"},
		{"2026-03-28 12:00 2026-03-29 02:00", berlin, fri, "", "", "2026-03-29 02:00 does not exist in Europe/Berlin"},
		{"2026-03-08 02:15 1h", ny, utc("2026-03-01 12:00"), "", "", "2026-03-08 02:15 does not exist in America/New_York: that night the clocks jump from 02:00 to 03:00"},
		{"tomorrow 10:00 tomorrow 09:00", berlin, fri, "", "", "the end (Sat 28 Mar 09:00 CET) is not after the start (Sat 28 Mar 10:00 CET)"},
		{"2026-12-24 18:00 2026-12-24 18:00", berlin, fri, "", "", "is not after the start"},
		{"2026-01-01 10:00 2h", berlin, fri, "", "", "that ends in the past"},
		{"now", berlin, fri, "", "", "give an end or a duration after the start"},
		{"", berlin, fri, "", "", "give a start and an end or a duration"},
		{"now 4h please", berlin, fri, "", "", `I don't understand "please" after the end`},
		{"soon 4h", berlin, fri, "", "", `"soon" is not a time I understand`},
		{"now now", berlin, fri, "", "", `"now" is not a time I understand`},
		{"2026-02-30 10:00 1h", berlin, fri, "", "", `"2026-02-30" is not a date`},
		{"tomorrow 25:00 1h", berlin, fri, "", "", `"25:00" is not a time I understand`},
		{"now 0h", berlin, fri, "", "", `"0h" is not a time I understand`},
		{"now 400d", berlin, fri, "", "", "longer than a year"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			start, end, err := ParseRange(strings.Fields(tt.in), tt.now, tt.loc)
			if tt.err != "" {
				var te *TimeError
				if !errors.As(err, &te) || !strings.Contains(te.Msg, tt.err) {
					t.Fatalf("error = %v, want a TimeError containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !start.Equal(utc(tt.start)) || !end.Equal(utc(tt.end)) {
				t.Errorf("= %v → %v, want %s → %s UTC", start.UTC(), end.UTC(), tt.start, tt.end)
			}
		})
	}
}

// go test ./commands/oncall -fuzz FuzzParseRange
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"now 4h", "tomorrow 09:00 8h", "2026-12-24 18:00 2026-12-27 09:00", "2026-03-29 02:30 2h",
		"fri 18:00 mon 09:00", "2026-12-24T18:00 1w2d3h4m", "99999999999d", "18:00 02:00", "sun", "2026-10-25 02:30 1h"} {
		f.Add(s)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := utc("2026-03-27 09:00")
	f.Fuzz(func(t *testing.T, in string) {
		start, end, err := ParseRange(strings.Fields(in), now, berlin)
		if err != nil {
			var te *TimeError
			if !errors.As(err, &te) || te.Msg == "" {
				t.Fatalf("ParseRange(%q) error %v is not a TimeError for people", in, err)
			}
			return
		}
		if !end.After(start) || !end.After(now) || end.Sub(start) > MaxRange {
			t.Fatalf("ParseRange(%q) = %v → %v", in, start, end)
		}
	})
}

func TestParseDuration(t *testing.T) {
	tests := map[string]span{
		"4h": {real: 4 * time.Hour}, "90m": {real: 90 * time.Minute}, "1d12h": {days: 1, real: 12 * time.Hour},
		"1w": {days: 7}, "2W1D": {days: 15},
	}
	for in, want := range tests {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "h", "4", "4x", "-4h", "4h-", "0m", "1.5h", "999999h"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) accepted", in)
		}
	}
}
