package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	promapi "opsbot/integrations/prometheus"
)

// maxQueryRows caps the rows of a query table; the rest are counted.
const maxQueryRows = 20

func (s *Service) queryCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needProm(); err != nil {
		return nil, err
	}
	promql := strings.TrimSpace(req.Args.Rest(0))
	if promql == "" {
		return nil, req.Command.UsageError("give a PromQL expression")
	}
	res, warns, err := s.d.Prometheus.Query(ctx, promql, time.Time{})
	if err != nil {
		return nil, s.promError(err)
	}
	return bot.Text(formatResult(promql, res, warns)), nil
}

// formatResult writes an instant query's answer as a table.
func formatResult(promql string, res promapi.Result, warns []string) string {
	var rows [][2]string
	switch res.Type {
	case promapi.ResultVector:
		for _, smp := range res.Samples {
			rows = append(rows, [2]string{promapi.SeriesName(smp.Labels), promapi.FormatValue(smp.Value)})
		}
	case promapi.ResultScalar:
		if len(res.Samples) > 0 {
			rows = append(rows, [2]string{"scalar", promapi.FormatValue(res.Samples[0].Value)})
		}
	case promapi.ResultString:
		rows = append(rows, [2]string{"string", res.Text})
	case promapi.ResultMatrix:
		for _, se := range res.Series {
			v := "no points"
			if n := len(se.Points); n > 0 {
				v = fmt.Sprintf("%s (last of %s)", promapi.FormatValue(se.Points[n-1].V), blocks.Count(n, "point"))
			}
			rows = append(rows, [2]string{promapi.SeriesName(se.Labels), v})
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s", blocks.Inline(promql), blocks.Count(len(rows), "result"))
	b.WriteString("\n")
	for _, w := range warns {
		fmt.Fprintf(&b, ":warning: %s\n", blocks.Escape(w))
	}
	if len(rows) == 0 {
		return strings.TrimRight(b.String(), "\n")
	}
	shown := rows
	if len(shown) > maxQueryRows {
		shown = shown[:maxQueryRows]
	}
	width := 0
	for _, r := range shown {
		width = max(width, min(len(r[0]), 100))
	}
	b.WriteString("```\n")
	for _, r := range shown {
		fmt.Fprintf(&b, "%s  %s\n", blocks.Escape(fmt.Sprintf("%-*s", width, blocks.PlainCut(r[0], 100))), blocks.Escape(r[1]))
	}
	b.WriteString("```")
	if left := len(rows) - len(shown); left > 0 {
		fmt.Fprintf(&b, "\n… and %d more series not shown; narrow the query (e.g. topk) to see them", left)
	}
	return b.String()
}

// promError tells a person what went wrong with Prometheus: its own
// message when it refused the query, the URL when it could not be reached.
func (s *Service) promError(err error) error {
	var tl *promapi.TooLargeError
	if errors.As(err, &tl) {
		return &bot.Error{Code: bot.CodeInvalid, Message: fmt.Sprintf("Prometheus answered more than %s; narrow the query (a label filter, topk, or a larger step for a graph)", promapi.FormatBytes(tl.Limit)), Err: err}
	}
	var qe *promapi.QueryError
	if errors.As(err, &qe) {
		switch qe.Type {
		case "bad_data", "client_error":
			return &bot.Error{Code: bot.CodeInvalid, Message: "Prometheus rejected the query: " + blocks.Escape(qe.Msg), Err: err}
		case "timeout", "canceled":
			return &bot.Error{Code: bot.CodeUnavailable, Message: "Prometheus gave up on the query: " + blocks.Escape(qe.Msg) + " — try a shorter range or a simpler query", Err: err}
		default:
			return &bot.Error{Code: bot.CodeUnavailable, Message: fmt.Sprintf("Prometheus at %s failed the query: %s", s.d.Prometheus.URL(), blocks.Escape(qe.Msg)), Err: err}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &bot.Error{Code: bot.CodeUnavailable, Message: fmt.Sprintf("Prometheus at %s did not answer in time", s.d.Prometheus.URL()), Err: err}
	}
	return &bot.Error{Code: bot.CodeUnavailable, Message: fmt.Sprintf("could not reach Prometheus at %s; is it running?", s.d.Prometheus.URL()), Err: err}
}
