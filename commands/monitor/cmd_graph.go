package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/integrations/chart"
	promapi "opsbot/integrations/prometheus"
)

// Graph limits.
const (
	defaultGraphRange = time.Hour
	graphPoints       = 250    // points per series by default
	maxGraphPoints    = 11_000 // Prometheus' own limit per series
)

func (s *Service) graphCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needProm(); err != nil {
		return nil, err
	}
	promql, rng, step, err := parseGraphArgs(req.Args.Rest(0))
	if err != nil {
		return nil, req.Command.UsageError("%v", err)
	}
	end := s.now()
	series, warns, err := s.d.Prometheus.QueryRange(ctx, promql, end.Add(-rng), end, step)
	if err != nil {
		return nil, s.promError(err)
	}
	cs := make([]chart.Series, len(series))
	for i, se := range series {
		cs[i] = chart.Series{Name: promapi.SeriesName(se.Labels)}
		for _, p := range se.Points {
			cs[i].Points = append(cs[i].Points, chart.Point{T: p.T, V: p.V})
		}
	}
	png, err := chart.LineChart(chart.Options{Title: truncate(promql, 120)}, cs)
	if errors.Is(err, chart.ErrNoData) {
		return nil, bot.Errorf(bot.CodeNotFound, "`%s` has no data in the last %s", escape(promql), fmtDuration(rng))
	}
	if err != nil {
		return nil, fmt.Errorf("draw graph: %w", err)
	}
	text := fmt.Sprintf("`%s` over the last %s (step %s, %d series)", escape(promql), fmtDuration(rng), step, len(series))
	for _, w := range warns {
		text += "\n:warning: " + escape(w)
	}
	return &bot.Reply{Text: text, File: &bot.File{Name: "graph.png", Title: truncate(promql, 80), Content: png}}, nil
}

// parseGraphArgs splits "<promql> [range] [step]": up to two trailing
// words that read as durations are the range and the step.
func parseGraphArgs(text string) (promql string, rng, step time.Duration, err error) {
	text = strings.TrimSpace(text)
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
		return "", 0, 0, errors.New("give a PromQL expression")
	}
	rng = defaultGraphRange
	if len(durs) > 0 {
		rng = durs[0]
	}
	if len(durs) > 1 {
		step = durs[1]
	} else {
		step = max((rng / graphPoints).Round(time.Second), time.Second)
	}
	if int64(rng/step) > maxGraphPoints {
		return "", 0, 0, fmt.Errorf("a range of %s with step %s is %d points per series; Prometheus allows %d — use a larger step", fmtDuration(rng), step, rng/step, maxGraphPoints)
	}
	return text, rng, step, nil
}
