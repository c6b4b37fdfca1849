package monitor

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/alertmanager"
	promapi "opsbot/integrations/prometheus"
)

var _ bot.SummaryProvider = (*Service)(nil)

// summaryDown and summaryNoisy cap the targets down and the alert names
// the summary lists.
const (
	summaryDown  = 10
	summaryNoisy = 5
)

// SummarySection is monitoring's part of the health summary: scrape
// targets up and down (Prometheus' up), alerts firing now by severity
// (Alertmanager, silenced and inhibited ones left out), the alert names
// that fired most in the last 24 hours and the alerts firing per day for
// the chart (both from Prometheus' ALERTS series). With a selector,
// targets and alerts must carry its labels. A source that does not
// answer is one line; the rest of the section stands.
func (s *Service) SummarySection(ctx context.Context, r bot.SummaryRequest) (*bot.SummarySection, error) {
	labels := r.Labels()
	var (
		wg                sync.WaitGroup
		up                promapi.Result
		noisy             promapi.Result
		history           []promapi.Series
		firing            []alertmanager.GettableAlert
		upErr, noisyErr   error
		historyErr, amErr error
	)
	if s.d.Prometheus != nil {
		sel := promSelector(labels)
		wg.Go(func() { up, _, upErr = s.d.Prometheus.Query(ctx, "up"+braces(sel), r.Now) })
		alerts := `ALERTS{alertstate="firing"` + prefixComma(sel) + `}`
		wg.Go(func() {
			noisy, _, noisyErr = s.d.Prometheus.Query(ctx, fmt.Sprintf("topk(%d, count by (alertname) (max_over_time(%s[24h])))", summaryNoisy, alerts), r.Now)
		})
		if len(r.Days) > 0 {
			wg.Go(func() {
				history, _, historyErr = s.d.Prometheus.QueryRange(ctx, "count(max_over_time("+alerts+"[1d]))",
					r.Days[0].Add(24*time.Hour), r.Now, 24*time.Hour)
			})
		}
	}
	if s.d.Alertmanager != nil {
		wg.Go(func() {
			f := alertmanager.AlertFilter{ExcludeSilenced: true, ExcludeInhibited: true}
			for _, k := range slices.Sorted(maps.Keys(labels)) {
				m, err := alertmanager.NewMatcher(k, alertmanager.MatchEqual, labels[k])
				if err != nil {
					amErr = err
					return
				}
				f.Matchers = append(f.Matchers, m)
			}
			firing, amErr = s.d.Alertmanager.ListAlerts(ctx, f)
		})
	}
	wg.Wait()

	var b strings.Builder
	sec := &bot.SummarySection{Title: "Monitoring"}
	if s.d.Prometheus != nil {
		if err := firstErr(upErr, noisyErr, historyErr); err != nil {
			fmt.Fprintf(&b, ":warning: %s (so targets, the noisiest alerts and alerts per day are missing)\n", bot.UserMessage(s.promError(err)))
		} else {
			b.WriteString(targetsLine(up) + "\n")
		}
	}
	if s.d.Alertmanager != nil {
		if amErr != nil {
			fmt.Fprintf(&b, ":warning: %s (so the alerts firing now are missing)\n", bot.UserMessage(s.amError("list alerts", amErr)))
		} else {
			b.WriteString(firingLine(firing) + "\n")
		}
	}
	if s.d.Prometheus != nil && firstErr(upErr, noisyErr, historyErr) == nil {
		if line := noisyLine(noisy); line != "" {
			b.WriteString(line + "\n")
		}
		sec.Series = []bot.SummarySeries{{Name: "alerts firing", Values: perDay(r, history)}}
	}
	sec.Text = strings.TrimSuffix(b.String(), "\n")
	if sec.Text == "" {
		return nil, nil
	}
	return sec, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// promSelector writes labels as PromQL matchers: team="payments",env="prod".
func promSelector(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, k+"="+strconv.Quote(labels[k]))
	}
	return strings.Join(parts, ",")
}

func braces(sel string) string {
	if sel == "" {
		return ""
	}
	return "{" + sel + "}"
}

func prefixComma(sel string) string {
	if sel == "" {
		return ""
	}
	return "," + sel
}

// targetsLine counts the targets up and down and names those down.
func targetsLine(up promapi.Result) string {
	var n int
	var down []string
	for _, smp := range up.Samples {
		if smp.Value == 1 {
			n++
			continue
		}
		name := smp.Labels["instance"]
		if name == "" {
			name = promapi.SeriesName(smp.Labels)
		}
		down = append(down, name)
	}
	if n+len(down) == 0 {
		return "*Targets*: Prometheus scrapes none"
	}
	line := fmt.Sprintf("*Targets*: %d up, %d down", n, len(down))
	if len(down) == 0 {
		return line + " :white_check_mark:"
	}
	sort.Strings(down)
	shown := make([]string, 0, summaryDown+1)
	for i, d := range down {
		if i == summaryDown {
			shown = append(shown, fmt.Sprintf("and %d more (`status`)", len(down)-i))
			break
		}
		shown = append(shown, blocks.Inline(blocks.PlainCut(d, 60)))
	}
	return line + ": " + strings.Join(shown, ", ")
}

// severityOrder ranks the usual severities first; others follow by name.
var severityOrder = map[string]int{"critical": 0, "page": 1, "error": 2, "warning": 3, "info": 4}

// firingLine counts the alerts firing now by severity.
func firingLine(alerts []alertmanager.GettableAlert) string {
	if len(alerts) == 0 {
		return "*Firing now*: nothing :white_check_mark:"
	}
	bySev := map[string]int{}
	for _, a := range alerts {
		sev := a.Labels["severity"]
		if sev == "" {
			sev = "no severity"
		}
		bySev[sev]++
	}
	sevs := slices.Collect(maps.Keys(bySev))
	sort.Slice(sevs, func(i, j int) bool {
		ri, iok := severityOrder[sevs[i]]
		rj, jok := severityOrder[sevs[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return sevs[i] < sevs[j]
	})
	parts := make([]string, 0, len(sevs))
	for i, sev := range sevs {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("%d more severities", len(sevs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%d %s", bySev[sev], blocks.EscapeCut(sev, 30)))
	}
	return fmt.Sprintf("*Firing now*: %d (%s); silenced and inhibited alerts are not counted", len(alerts), strings.Join(parts, ", "))
}

// noisyLine names the alerts that fired most in the last 24 hours.
func noisyLine(noisy promapi.Result) string {
	rows := append([]promapi.Sample(nil), noisy.Samples...)
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Value != rows[j].Value {
			return rows[i].Value > rows[j].Value
		}
		return rows[i].Labels["alertname"] < rows[j].Labels["alertname"]
	})
	parts := make([]string, 0, len(rows))
	for i, smp := range rows {
		if i == summaryNoisy {
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", blocks.Inline(blocks.PlainCut(smp.Labels["alertname"], 60)), promapi.FormatValue(smp.Value)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "*Noisiest in the last 24 h*: " + strings.Join(parts, ", ")
}

// perDay places the history's points, one at the end of each day, on the
// request's days; a day without a point had no alert firing.
func perDay(r bot.SummaryRequest, history []promapi.Series) []float64 {
	out := make([]float64, len(r.Days))
	for _, sr := range history {
		for _, p := range sr.Points {
			i := int(math.Round(float64(p.T.Sub(r.Days[0].Add(24*time.Hour))) / float64(24*time.Hour)))
			if i >= 0 && i < len(out) && !math.IsNaN(p.V) {
				out[i] += p.V
			}
		}
	}
	return out
}
