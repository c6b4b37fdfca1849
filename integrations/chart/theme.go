package chart

import (
	"image/color"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// theme holds the fonts and colours of a chart.
type theme struct {
	titleFont, labelFont, tickFont, legendFont font.Font
	textColor, axisColor, gridColor            color.Color
	palette                                    []color.Color
}

func newTheme() theme {
	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	bold := sans
	bold.Weight = xfont.WeightBold
	return theme{
		titleFont:  font.From(bold, 14),
		labelFont:  font.From(sans, 10),
		tickFont:   font.From(sans, 10),
		legendFont: font.From(sans, 10),
		textColor:  color.Gray{Y: 0x33},
		axisColor:  color.Gray{Y: 0x88},
		gridColor:  color.Gray{Y: 0xe4},
		// Tableau's category10: distinct, and readable on white.
		palette: []color.Color{
			rgb(0x1f77b4), rgb(0xff7f0e), rgb(0x2ca02c), rgb(0xd62728), rgb(0x9467bd),
			rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf),
		},
	}
}

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// lineStyle is the style of the i-th series: the palette's colours, then the
// same colours dashed, then dotted.
func (th theme) lineStyle(i int) draw.LineStyle {
	sty := draw.LineStyle{Color: th.palette[i%len(th.palette)], Width: vg.Points(1.5)}
	switch (i / len(th.palette)) % 3 {
	case 1:
		sty.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	case 2:
		sty.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2)}
	}
	return sty
}

func newGrid(th theme) *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = th.gridColor
	g.Horizontal.Color = th.gridColor
	g.Vertical.Width = vg.Points(0.75)
	g.Horizontal.Width = vg.Points(0.75)
	return g
}
