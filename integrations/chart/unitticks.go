package chart

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// unitTicks marks the value axis at round numbers of a scaled unit (0.5 GiB,
// 1 GiB, ...) and spans it from the round number below the data to the one
// above.
type unitTicks struct {
	scale    float64 // data value per displayed unit, e.g. 1<<30 for GiB
	suffix   string  // appended to the number, e.g. " GiB"
	zero     string  // the label of 0, e.g. "0 B"
	step     float64 // between ticks, in displayed units
	prec     int     // decimals shown
	min, max float64 // axis range in data units
}

// targetYTicks is about how many intervals the value axis is cut into.
const targetYTicks = 5

func newUnitTicks(unit string, ymin, ymax float64) unitTicks {
	scale, suffix := unitScale(unit, math.Max(math.Abs(ymin), math.Abs(ymax)))
	lo, hi := ymin/scale, ymax/scale
	if lo == hi { // a flat line: centre it
		pad := math.Abs(lo) * 0.1
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep((hi - lo) / targetYTicks)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	_, unscaled := unitScale(unit, 0)
	return unitTicks{
		scale: scale, suffix: suffix, zero: "0" + unscaled, step: step, prec: decimals(step),
		// min and max guard against rounding: the axis must hold the data.
		min: math.Min(lo*scale, ymin), max: math.Max(hi*scale, ymax),
	}
}

// Ticks implements plot.Ticker.
func (u unitTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	first := math.Ceil(lo/u.scale/u.step - 1e-9)
	last := math.Floor(hi/u.scale/u.step + 1e-9)
	for k := first; k <= last && len(ticks) < 100; k++ {
		v := k * u.step
		if math.Abs(v) < u.step/2 { // 0, never "-0" or "0k"
			ticks = append(ticks, plot.Tick{Value: 0, Label: u.zero})
			continue
		}
		ticks = append(ticks, plot.Tick{Value: v * u.scale, Label: formatNumber(v, u.prec) + u.suffix})
	}
	return ticks
}

// formatNumber writes v with at most prec decimals, dropping trailing zeros
// (1.5, 2, 2.25).
func formatNumber(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// niceStep rounds raw up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 2.5, 5} {
		if raw <= f*mag*(1+1e-9) {
			return f * mag
		}
	}
	return 10 * mag
}

// decimals is how many decimals show step exactly (2.5 → 1, 0.25 → 2).
func decimals(step float64) int {
	for d := 0; d < 10; d++ {
		x := step * math.Pow10(d)
		if math.Abs(x-math.Round(x)) < 1e-6*x {
			return d
		}
	}
	return 10
}

// unitScale picks the display unit for values up to maxAbs: the divisor
// and the suffix written after each number.
func unitScale(unit string, maxAbs float64) (float64, string) {
	switch unit {
	case "bytes", "B":
		return binaryScale(maxAbs, "")
	case "bytes/s", "B/s":
		return binaryScale(maxAbs, "/s")
	case "%":
		return 1, " %"
	case "s":
		switch {
		case maxAbs >= 1 || maxAbs == 0:
			return 1, " s"
		case maxAbs >= 1e-3:
			return 1e-3, " ms"
		case maxAbs >= 1e-6:
			return 1e-6, " µs"
		}
		return 1e-9, " ns"
	}
	prefixes := []string{"", "k", "M", "G", "T", "P", "E"}
	k := 0
	for k < len(prefixes)-1 && maxAbs >= math.Pow(1000, float64(k+1)) {
		k++
	}
	suffix := prefixes[k]
	if unit != "" {
		suffix += " " + unit
	}
	return math.Pow(1000, float64(k)), suffix
}

func binaryScale(maxAbs float64, per string) (float64, string) {
	prefixes := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	k := 0
	for k < len(prefixes)-1 && maxAbs >= math.Pow(1024, float64(k+1)) {
		k++
	}
	return math.Pow(1024, float64(k)), " " + prefixes[k] + per
}
