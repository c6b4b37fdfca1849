package monitor

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/alertmanager"
)

// maxAlertLines caps the alerts command's output.
const maxAlertLines = 30

func (s *Service) alertsCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needAM(); err != nil {
		return nil, err
	}
	var f alertmanager.AlertFilter
	if text := strings.TrimSpace(req.Args.Rest(0)); text != "" {
		ms, err := alertmanager.ParseMatchers(text)
		if err != nil {
			return nil, req.Command.UsageError("I could not read the matchers: %v", err)
		}
		f.Matchers = ms
	}
	f.ExcludeSilenced, f.ExcludeInhibited = true, true
	alerts, err := s.d.Alertmanager.ListAlerts(ctx, f)
	if err != nil {
		return nil, s.amError("list alerts", err)
	}
	if len(alerts) == 0 {
		return bot.Text(":white_check_mark: No active alerts" + filterNote(f) + "."), nil
	}
	groups := map[string][]alertmanager.GettableAlert{}
	for _, a := range alerts {
		groups[a.Labels["alertname"]] = append(groups[a.Labels["alertname"]], a)
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(groups[names[i]]) != len(groups[names[j]]) {
			return len(groups[names[i]]) > len(groups[names[j]])
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, ":fire: *%s in %s*%s\n", blocks.Count(len(alerts), "active alert"), blocks.Count(len(groups), "group"), filterNote(f))
	lines := 0
	for i, n := range names {
		if lines >= maxAlertLines {
			fmt.Fprintf(&b, "… and %s\n", blocks.Count(len(names)-i, "more group"))
			break
		}
		as := groups[n]
		fmt.Fprintf(&b, "*%s* (%d)", blocks.Escape(n), len(as))
		if sev := as[0].Labels["severity"]; sev != "" {
			fmt.Fprintf(&b, " · %s", blocks.Escape(sev))
		}
		b.WriteString("\n")
		lines++
		for j, a := range as {
			if j == 5 {
				fmt.Fprintf(&b, "    … and %d more\n", len(as)-j)
				lines++
				break
			}
			desc := a.Annotations["summary"]
			fmt.Fprintf(&b, "    • %s", labelList(a.Labels, map[string]string{"severity": a.Labels["severity"]}))
			if desc != "" {
				fmt.Fprintf(&b, " — %s", blocks.EscapeCut(desc, 150))
			}
			fmt.Fprintf(&b, " (since %s)\n", blocks.Date(a.StartsAt, s.loc))
			lines++
		}
	}
	return bot.Text(strings.TrimRight(b.String(), "\n")), nil
}

func filterNote(f alertmanager.AlertFilter) string {
	if len(f.Matchers) == 0 {
		return ""
	}
	return " matching " + blocks.Inline(alertmanager.Matchers(f.Matchers).String())
}
