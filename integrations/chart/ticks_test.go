package chart

import (
	"fmt"
	"testing"
	"time"

	"gonum.org/v1/plot"
)

func tickLabels(ticks []plot.Tick) []string {
	var out []string
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestUnitTicks(t *testing.T) {
	tests := []struct {
		unit       string
		ymin, ymax float64
		want       string
	}{
		{"bytes", 0, 1.5 * (1 << 30), "[0 B 0.5 GiB 1 GiB 1.5 GiB]"},
		{"B", 3.9 * (1 << 30), 4.1 * (1 << 30), "[3.9 GiB 3.95 GiB 4 GiB 4.05 GiB 4.1 GiB]"},
		{"bytes", 0, 900, "[0 B 200 B 400 B 600 B 800 B 1000 B]"},
		{"bytes/s", 0, 5 << 20, "[0 B/s 1 MiB/s 2 MiB/s 3 MiB/s 4 MiB/s 5 MiB/s]"},
		{"%", 0, 100, "[0 % 20 % 40 % 60 % 80 % 100 %]"},
		{"%", 42, 42, "[36 % 38 % 40 % 42 % 44 % 46 % 48 %]"},
		{"s", 0.002, 0.2, "[0 s 50 ms 100 ms 150 ms 200 ms]"},
		{"s", 0, 30, "[0 s 10 s 20 s 30 s]"},
		{"", 0, 1.2e6, "[0 0.25M 0.5M 0.75M 1M 1.25M]"},
		{"req/s", 0, 12000, "[0 req/s 2.5k req/s 5k req/s 7.5k req/s 10k req/s 12.5k req/s]"},
		{"", -1, 1, "[-1 -0.5 0 0.5 1]"},
		{"", 0, 0, "[-1 -0.5 0 0.5 1]"},
		{"", 0.941, 0.9423, "[0.9405 0.941 0.9415 0.942 0.9425]"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v..%v", tt.unit, tt.ymin, tt.ymax), func(t *testing.T) {
			u := newUnitTicks(tt.unit, tt.ymin, tt.ymax)
			if u.min > tt.ymin || u.max < tt.ymax {
				t.Errorf("axis %v..%v does not hold the data %v..%v", u.min, u.max, tt.ymin, tt.ymax)
			}
			if got := fmt.Sprint(tickLabels(u.Ticks(u.min, u.max))); got != tt.want {
				t.Errorf("labels %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTimeTicks(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 3, 1, 10, 3, 0, 0, time.UTC) // 11:03 in Berlin
	tests := []struct {
		name  string
		loc   *time.Location
		span  time.Duration
		width int
		want  string
		label string
	}{
		{"an hour in Berlin", berlin, time.Hour, 1000, "[11:10 11:20 11:30 11:40 11:50 12:00]", "time (Europe/Berlin)"},
		{"an hour in UTC", time.UTC, time.Hour, 1000, "[10:10 10:20 10:30 10:40 10:50 11:00]", "time (UTC)"},
		{"ten minutes", time.UTC, 10 * time.Minute, 1000, "[10:04 10:06 10:08 10:10 10:12]", "time (UTC)"},
		{"one minute", time.UTC, time.Minute, 1000, "[10:03:00 10:03:10 10:03:20 10:03:30 10:03:40 10:03:50 10:04:00]", "time (UTC)"},
		{"three days", time.UTC, 72 * time.Hour, 1000, "[Mar 1 12:00 Mar 2 00:00 Mar 2 12:00 Mar 3 00:00 Mar 3 12:00 Mar 4 00:00]", "time (UTC)"},
		{"narrow: fewer ticks", time.UTC, time.Hour, 300, "[10:30 11:00]", "time (UTC)"},
		{"a month", berlin, 30 * 24 * time.Hour, 1000, "[Mar 2 Mar 9 Mar 16 Mar 23 Mar 30]", "time (Europe/Berlin)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			min := unixSeconds(Point{T: start})
			max := unixSeconds(Point{T: start.Add(tt.span)})
			tk := newTimeTicks(tt.loc, min, max, tt.width)
			ticks := tk.Ticks(min, max)
			if got := fmt.Sprint(tickLabels(ticks)); got != tt.want {
				t.Errorf("labels %s, want %s", got, tt.want)
			}
			for _, x := range ticks {
				if x.Value < min || x.Value > max {
					t.Errorf("tick %q at %v outside %v..%v", x.Label, x.Value, min, max)
				}
			}
			if got := tk.axisLabel(); got != tt.label {
				t.Errorf("axis label %q, want %q", got, tt.label)
			}
		})
	}
}
