package chart

import (
	"math"
	"time"

	"gonum.org/v1/plot"
)

// timeTicks marks the time axis (Unix seconds) at round wall-clock times
// in a location: every 10 s, 5 min, 3 h, 1 day and so on.
type timeTicks struct {
	loc    *time.Location
	step   time.Duration
	layout string
}

// newTimeTicks picks the spacing for the span lo..hi (Unix seconds): at
// most eight ticks, fewer when widthPx would crowd their labels.
func newTimeTicks(loc *time.Location, lo, hi float64, widthPx int) timeTicks {
	// The spacings the time axis may use.
	steps := [...]time.Duration{
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
		24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
	}
	span := time.Duration((hi - lo) * float64(time.Second))
	perTick := 80 // px for "15:04:05" and a gap
	if span > 24*time.Hour {
		perTick = 120 // "Jan 2 15:04"
	}
	maxTicks := time.Duration(min(8, max(2, widthPx/perTick)))
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= maxTicks {
			step = s
			break
		}
	}
	t := timeTicks{loc: loc, step: step}
	switch {
	case step >= 24*time.Hour:
		t.layout = "Jan 2"
	case span > 24*time.Hour:
		t.layout = "Jan 2 15:04"
	case step < time.Minute:
		t.layout = "15:04:05"
	default:
		t.layout = "15:04"
	}
	return t
}

// Ticks implements plot.Ticker.
func (t timeTicks) Ticks(lo, hi float64) []plot.Tick {
	start := fromUnix(lo).In(t.loc)
	end := fromUnix(hi)
	var ticks []plot.Tick
	for tk := t.first(start); !tk.After(end); tk = t.next(tk) {
		ticks = append(ticks, plot.Tick{Value: unixSeconds(Point{T: tk}), Label: tk.Format(t.layout)})
	}
	return ticks
}

// first is the first round time at or after start.
func (t timeTicks) first(start time.Time) time.Time {
	y, m, d := start.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, t.loc)
	if t.step >= 24*time.Hour {
		tk := midnight
		for tk.Before(start) {
			tk = tk.AddDate(0, 0, 1)
		}
		return tk
	}
	n := math.Ceil(float64(start.Sub(midnight)) / float64(t.step))
	return midnight.Add(time.Duration(n) * t.step)
}

func (t timeTicks) next(tk time.Time) time.Time {
	if t.step >= 24*time.Hour {
		return tk.AddDate(0, 0, int(t.step/(24*time.Hour)))
	}
	return tk.Add(t.step)
}

// axisLabel names the time zone under the axis.
func (t timeTicks) axisLabel() string {
	name := t.loc.String()
	if name == "Local" || name == "" {
		name, _ = time.Now().In(t.loc).Zone()
	}
	return "time (" + name + ")"
}

func fromUnix(sec float64) time.Time {
	s := math.Floor(sec)
	return time.Unix(int64(s), int64((sec-s)*1e9))
}
