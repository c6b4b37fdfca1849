package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/chart"
	promapi "opsbot/integrations/prometheus"
)

// Graph limits.
const (
	defaultGraphRange = time.Hour
	graphPoints       = 250    // points per series by default
	maxGraphPoints    = 11_000 // Prometheus' own limit per series
	maxGraphSeries    = 20     // lines a graph can show apart
)

func (s *Service) graphCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needProm(); err != nil {
		return nil, err
	}
	a, err := parseGraphArgs(req.Args.Rest(0))
	if err != nil {
		return nil, req.Command.UsageError("%v", err)
	}
	end := s.now()
	series, warns, err := s.d.Prometheus.QueryRange(ctx, a.PromQL, end.Add(-a.Range), end, a.Step)
	if err != nil {
		return nil, s.promError(err)
	}
	unit, guessed := a.Unit, false
	if unit == "" {
		unit, guessed = guessUnit(a.PromQL), true
	}
	yunit, scale := chartUnit(unit)
	all := len(series)
	if all > maxGraphSeries {
		series = series[:maxGraphSeries]
	}
	cs := make([]chart.Series, len(series))
	for i, se := range series {
		cs[i] = chart.Series{Name: promapi.SeriesName(se.Labels)}
		for _, p := range se.Points {
			cs[i].Points = append(cs[i].Points, chart.Point{T: p.T, V: p.V * scale})
		}
	}
	png, err := s.draw(chart.Options{Title: blocks.PlainCut(a.PromQL, 120), YUnit: yunit}, cs)
	if errors.Is(err, chart.ErrNoData) {
		return nil, bot.Errorf(bot.CodeNotFound, "%s has no data in the last %s", blocks.Inline(a.PromQL), fmtDuration(a.Range))
	}
	if err != nil {
		return nil, fmt.Errorf("draw graph: %w", err)
	}
	text := fmt.Sprintf("%s over the last %s (step %s, %d series", blocks.Inline(a.PromQL), fmtDuration(a.Range), a.Step, len(series))
	switch {
	case unit != "" && unit != "none" && guessed:
		text += fmt.Sprintf(", in %s by the metric's name; `unit=…` sets another", blocks.Escape(unit))
	case unit != "" && unit != "none":
		text += ", in " + blocks.Escape(unit)
	}
	text += ")"
	if all > len(series) {
		text += fmt.Sprintf("\n:warning: showing %d of %d series; narrow the query (a label filter, or topk) to see the others", len(series), all)
	}
	for _, w := range warns {
		text += "\n:warning: " + blocks.Escape(w)
	}
	return &bot.Reply{Text: text, File: &bot.File{Name: "graph.png", Title: blocks.PlainCut(a.PromQL, 80), Content: png}}, nil
}

// graphArgs are the words of the graph command.
type graphArgs struct {
	PromQL      string
	Range, Step time.Duration
	// Unit is what unit=… said, "" when nothing.
	Unit string
}

// parseGraphArgs splits "<promql> [range] [step] [unit=<unit>]": up to two
// trailing words that read as durations are the range and the step, and a
// trailing unit=… word names the unit of the values.
func parseGraphArgs(text string) (graphArgs, error) {
	text = strings.TrimSpace(text)
	var a graphArgs
	if i := strings.LastIndexAny(text, " \t"); i >= 0 {
		if u, ok := strings.CutPrefix(text[i+1:], "unit="); ok {
			if u == "" {
				return graphArgs{}, errors.New("unit= needs a unit, like unit=bytes, unit=s, unit=% or unit=none")
			}
			a.Unit, text = u, strings.TrimSpace(text[:i])
		}
	}
	var durs []time.Duration
	for len(durs) < 2 {
		i := strings.LastIndexAny(text, " \t")
		if i < 0 {
			break
		}
		d, perr := parseDuration(text[i+1:])
		if perr != nil {
			break
		}
		durs = append([]time.Duration{d}, durs...)
		text = strings.TrimSpace(text[:i])
	}
	if text == "" {
		return graphArgs{}, errors.New("give a PromQL expression")
	}
	a.PromQL, a.Range = text, defaultGraphRange
	if len(durs) > 0 {
		a.Range = durs[0]
	}
	if len(durs) > 1 {
		a.Step = durs[1]
	} else {
		a.Step = max((a.Range / graphPoints).Round(time.Second), time.Second)
	}
	if int64(a.Range/a.Step) > maxGraphPoints {
		return graphArgs{}, fmt.Errorf("a range of %s with step %s is %d points per series; Prometheus allows %d — use a larger step", fmtDuration(a.Range), a.Step, a.Range/a.Step, maxGraphPoints)
	}
	return a, nil
}
