// Package chart draws PNG line charts of time series for chat: one line per
// series, readable time and unit labels, a legend below. It uses gonum/plot
// with the Liberation fonts compiled in, so it needs no system fonts. It
// knows nothing of where the series come from; callers convert.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one line: a name for the legend and its points.
type Series struct {
	Name   string
	Points []Point
}

// Point is one value at one time. NaN and infinite values leave a gap.
type Point struct {
	T time.Time
	V float64
}

// Options say how a chart looks. The zero value gives a 1000×500 chart in
// UTC without a title or unit.
type Options struct {
	// Title is drawn above the chart when not empty.
	Title string
	// YUnit formats the value axis: "bytes" (or "B") uses binary prefixes
	// (1.5 GiB), "bytes/s" (or "B/s") likewise per second, "%" takes values
	// already in percent (42 %), "s" scales down to ms, µs and ns, "" uses
	// SI prefixes (1.5k, 2M) and any other unit gets SI prefixes and the unit
	// ("12k req/s").
	YUnit string
	// Width and Height are the image size in pixels; zero means 1000×500,
	// which Slack previews legibly. Each must be between 200 and 4000.
	Width, Height int
	// Location is the time zone of the time axis; nil means UTC.
	Location *time.Location
	// MaxLegend caps the legend's entries; further series are still drawn
	// and the legend ends with "+k more". Zero means 10.
	MaxLegend int
}

// ErrNoData is returned when there is not one finite point to plot.
var ErrNoData = errors.New("no data points to plot")

// Defaults for zero Options fields.
const (
	DefaultWidth     = 1000
	DefaultHeight    = 500
	DefaultMaxLegend = 10
	minSize, maxSize = 200, 4000
	dpi              = 96
)

func (o Options) withDefaults() (Options, error) {
	if o.Width == 0 {
		o.Width = DefaultWidth
	}
	if o.Height == 0 {
		o.Height = DefaultHeight
	}
	if o.Width < minSize || o.Width > maxSize || o.Height < minSize || o.Height > maxSize {
		return o, fmt.Errorf("chart size %d×%d: each side must be between %d and %d pixels", o.Width, o.Height, minSize, maxSize)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.MaxLegend <= 0 {
		o.MaxLegend = DefaultMaxLegend
	}
	return o, nil
}

// LineChart draws series as a PNG image. Series without finite points are
// left out of the lines but kept in the legend; when no series has one,
// the error is ErrNoData.
func LineChart(opts Options, series []Series) ([]byte, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	data, err := prepare(series)
	if err != nil {
		return nil, err
	}
	th := newTheme()
	p := newPlot(opts, th, data)

	c := vgimg.NewWith(vgimg.UseWH(vg.Length(opts.Width)*px, vg.Length(opts.Height)*px), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	dc = draw.Crop(dc, margin, -margin, margin, -margin)

	entries := legendEntries(th, series, opts.MaxLegend)
	lg := layoutLegend(th, entries, dc.Max.X-dc.Min.X)
	plotArea := dc
	plotArea.Min.Y += lg.height
	p.Draw(plotArea)
	legendArea := dc
	legendArea.Max.Y = dc.Min.Y + lg.height
	lg.draw(legendArea)

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode chart as PNG: %w", err)
	}
	return buf.Bytes(), nil
}

const (
	px     = vg.Length(72) / dpi // one pixel in points
	margin = 8 * px              // white space around the whole chart
)

// newPlot sets up the axes and lines of the chart, without legend.
func newPlot(opts Options, th theme, d prepared) *plot.Plot {
	p := plot.New()
	p.Title.Text = opts.Title
	p.Title.TextStyle.Font = th.titleFont
	p.Title.Padding = vg.Points(8)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Tick.Label.Font = th.tickFont
		ax.Tick.Label.Color = th.textColor
		ax.Label.TextStyle.Font = th.labelFont
		ax.Label.TextStyle.Color = th.textColor
		ax.LineStyle.Color = th.axisColor
		ax.Tick.LineStyle.Color = th.axisColor
		ax.Padding = 0
	}

	xt := newTimeTicks(opts.Location, d.xmin, d.xmax, opts.Width)
	p.X.Min, p.X.Max = d.xmin, d.xmax
	p.X.Tick.Marker = xt
	p.X.Label.Text = xt.axisLabel()

	yt := newUnitTicks(opts.YUnit, d.ymin, d.ymax)
	p.Y.Min, p.Y.Max = yt.min, yt.max
	p.Y.Tick.Marker = yt

	p.Add(newGrid(th))
	for i, s := range d.series {
		addSeries(p, th.lineStyle(i), s)
	}
	return p
}
