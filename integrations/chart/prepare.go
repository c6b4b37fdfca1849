package chart

import (
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// prepared is the input cut into drawable runs, with the data's extent.
type prepared struct {
	series                 []preparedSeries
	xmin, xmax, ymin, ymax float64
}

// preparedSeries is one input series as runs of consecutive finite points;
// x is Unix seconds.
type preparedSeries struct {
	runs []plotter.XYs
}

// prepare sorts each series by time and splits it into runs wherever a
// value is not finite or a step is missing (a gap over 1.5 times the
// smallest step between any two points), so a gap stays visible.
func prepare(series []Series) (prepared, error) {
	d := prepared{
		xmin: math.Inf(1), xmax: math.Inf(-1),
		ymin: math.Inf(1), ymax: math.Inf(-1),
	}
	step := smallestStep(series)
	d.series = make([]preparedSeries, len(series))
	for i, s := range series {
		pts := s.Points
		if !sort.SliceIsSorted(pts, func(a, b int) bool { return pts[a].T.Before(pts[b].T) }) {
			pts = append([]Point(nil), pts...)
			sort.SliceStable(pts, func(a, b int) bool { return pts[a].T.Before(pts[b].T) })
		}
		var run plotter.XYs
		lastX := math.NaN()
		flush := func() {
			if len(run) > 0 {
				d.series[i].runs = append(d.series[i].runs, run)
				run = nil
			}
		}
		for _, p := range pts {
			x := unixSeconds(p)
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				flush()
				continue
			}
			if step > 0 && x-lastX > 1.5*step {
				flush()
			}
			run = append(run, plotter.XY{X: x, Y: p.V})
			lastX = x
			d.xmin, d.xmax = math.Min(d.xmin, x), math.Max(d.xmax, x)
			d.ymin, d.ymax = math.Min(d.ymin, p.V), math.Max(d.ymax, p.V)
		}
		flush()
	}
	if math.IsInf(d.xmin, 1) {
		return d, ErrNoData
	}
	if d.xmin == d.xmax { // one instant: show a minute around it
		d.xmin, d.xmax = d.xmin-30, d.xmax+30
	}
	return d, nil
}

func unixSeconds(p Point) float64 {
	return float64(p.T.Unix()) + float64(p.T.Nanosecond())/1e9
}

// smallestStep is the smallest positive time between neighbouring points of
// any series, in seconds; zero if there is none.
func smallestStep(series []Series) float64 {
	step := math.Inf(1)
	for _, s := range series {
		for i := 1; i < len(s.Points); i++ {
			if dt := s.Points[i].T.Sub(s.Points[i-1].T).Seconds(); dt > 0 && dt < step {
				step = dt
			}
		}
	}
	if math.IsInf(step, 1) {
		return 0
	}
	return step
}

// addSeries adds a series' runs to p: a line for each run, a dot for a run
// of one point.
func addSeries(p *plot.Plot, sty draw.LineStyle, s preparedSeries) {
	for _, run := range s.runs {
		if len(run) == 1 {
			sc, err := plotter.NewScatter(run)
			if err != nil {
				continue // cannot happen: run holds finite values only
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: sty.Width * 1.2, Shape: draw.CircleGlyph{}}
			p.Add(sc)
			continue
		}
		l, err := plotter.NewLine(run)
		if err != nil {
			continue // cannot happen: run holds finite values only
		}
		l.LineStyle = sty
		p.Add(l)
	}
}
