package chart

import (
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendEntry is one line of the legend; line is nil for the "+k more" note.
type legendEntry struct {
	text string
	line *draw.LineStyle
}

// legendEntries names the first max series, with "+k more" for the rest.
// A single unnamed series needs no legend.
func legendEntries(th theme, series []Series, max int) []legendEntry {
	if len(series) == 1 && series[0].Name == "" {
		return nil
	}
	var out []legendEntry
	for i, s := range series {
		if i == max {
			out = append(out, legendEntry{text: "+" + strconv.Itoa(len(series)-max) + " more"})
			break
		}
		name := s.Name
		if name == "" {
			name = "series " + strconv.Itoa(i+1)
		}
		sty := th.lineStyle(i)
		out = append(out, legendEntry{text: name, line: &sty})
	}
	return out
}

// legendLayout places legend entries in columns below the chart, reading
// left to right, then down.
type legendLayout struct {
	entries   []legendEntry
	style     text.Style
	cols      int
	colWidth  vg.Length
	rowHeight vg.Length
	height    vg.Length // total, with the gap above
}

const (
	legendThumb  = 20 * px // line sample
	legendGap    = 6 * px  // sample to text
	legendColGap = 20 * px // between columns
	legendTopGap = 8 * px  // chart to legend
)

// layoutLegend fits entries into width: at least two columns, names
// shortened in the middle ("{instance=…,mode="idle"}") where too long.
func layoutLegend(th theme, entries []legendEntry, width vg.Length) legendLayout {
	l := legendLayout{style: text.Style{
		Color:   th.textColor,
		Font:    th.legendFont,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}}
	if len(entries) == 0 {
		return l
	}
	maxText := (width-legendColGap)/2 - legendThumb - legendGap - legendColGap
	var widest vg.Length
	for _, e := range entries {
		e.text = fitText(l.style, e.text, maxText)
		l.entries = append(l.entries, e)
		widest = max(widest, l.style.Width(e.text))
	}
	l.colWidth = legendThumb + legendGap + widest + legendColGap
	l.cols = max(1, min(len(entries), int(width/l.colWidth)))
	rows := (len(entries) + l.cols - 1) / l.cols
	l.rowHeight = l.style.Height("Mg") * 1.35
	l.height = legendTopGap + vg.Length(rows)*l.rowHeight
	return l
}

// fitText shortens s in the middle with "…" until it is at most width wide.
func fitText(sty text.Style, s string, width vg.Length) string {
	if sty.Width(s) <= width {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // runes kept: lo fits, hi does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if sty.Width(middleCut(r, mid)) <= width {
			lo = mid
		} else {
			hi = mid
		}
	}
	return middleCut(r, lo)
}

// middleCut keeps n runes of r, half from each end, joined by "…".
func middleCut(r []rune, n int) string {
	head := (n + 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-head):])
}

// draw paints the legend into c, which is l.height tall.
func (l legendLayout) draw(c draw.Canvas) {
	top := c.Max.Y - legendTopGap
	for i, e := range l.entries {
		x := c.Min.X + vg.Length(i%l.cols)*l.colWidth
		y := top - vg.Length(i/l.cols)*l.rowHeight - l.rowHeight/2
		if e.line != nil {
			c.StrokeLine2(*e.line, x, y, x+legendThumb, y)
		}
		c.FillText(l.style, vg.Point{X: x + legendThumb + legendGap, Y: y}, e.text)
	}
}
