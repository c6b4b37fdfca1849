package bot

import (
	"maps"
	"testing"
	"time"
)

// A summary's days are 24-hour spans, the last ending at Now: Day finds
// the span of a time, and -1 outside them.
func TestSummaryRequestDay(t *testing.T) {
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	r := SummaryRequest{Now: now}
	for i := range 14 {
		r.Days = append(r.Days, now.Add(-time.Duration(14-i)*24*time.Hour))
	}
	for _, c := range []struct {
		t    time.Time
		want int
	}{
		{r.Days[0], 0},
		{r.Days[0].Add(-time.Nanosecond), -1},
		{r.Days[1].Add(-time.Nanosecond), 0},
		{r.Days[1], 1},
		{now.Add(-time.Hour), 13},
		{now, 13},
		{now.Add(time.Nanosecond), -1},
	} {
		if got := r.Day(c.t); got != c.want {
			t.Errorf("Day(%v) = %d, want %d", c.t, got, c.want)
		}
	}
	if got := (SummaryRequest{Now: now}).Day(now); got != -1 {
		t.Errorf("Day without days = %d", got)
	}
	if !r.Since().Equal(now.Add(-24 * time.Hour)) {
		t.Errorf("Since = %v", r.Since())
	}
}

func TestSummaryRequestLabels(t *testing.T) {
	for sel, want := range map[string]map[string]string{
		"":                            nil,
		"team=payments":               {"team": "payments"},
		" team = payments , env=prod": {"team": "payments", "env": "prod"},
		"team=a,broken,=x":            {"team": "a"},
	} {
		got := SummaryRequest{Selector: sel}.Labels()
		if !maps.Equal(got, want) || (want == nil) != (got == nil) {
			t.Errorf("Labels(%q) = %v, want %v", sel, got, want)
		}
	}
}
