package asset

import (
	"context"
	"fmt"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

var _ bot.SummaryProvider = (*Service)(nil)

// summaryDays is the window of the summary's warranties and ends of life.
const summaryDays = 30

// SummarySection is the daily summary's assets part: warranties and ends
// of life due within 30 days, soonest first, and those already past; the
// summary's selector narrows it by env, role, team or label. An inventory
// with nothing due says nothing.
func (s *Service) SummarySection(ctx context.Context, r bot.SummaryRequest) (*bot.SummarySection, error) {
	items, past, err := s.due(ctx, summaryDays)
	if err != nil {
		return nil, err
	}
	want := r.Labels()
	var lines []string
	shown := 0
	for _, it := range items {
		if !assetMatches(it.asset, want) {
			continue
		}
		shown++
		if len(lines) < 10 {
			what := "warranty ends"
			if it.Kind == "end_of_life" {
				what = "end of life"
			}
			lines = append(lines, fmt.Sprintf("• *%s* %s %s", blocks.Escape(it.asset.Name), what, blocks.DateFormat(it.Date, r.Loc, "{date_short}")))
		}
	}
	if len(want) > 0 {
		past = 0 // counted over the whole inventory, so not shown narrowed
	}
	if shown == 0 && past == 0 {
		return nil, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s due within %d days (warranties and ends of life)", blocks.Count(shown, "date"), summaryDays)
	if past > 0 {
		fmt.Fprintf(&b, "; %s already past (`asset expiring`)", blocks.Count(past, "date"))
	}
	if len(lines) > 0 {
		b.WriteString("\n" + strings.Join(lines, "\n"))
	}
	if shown > len(lines) {
		fmt.Fprintf(&b, "\n…and %d more: `asset expiring %dd`", shown-len(lines), summaryDays)
	}
	return &bot.SummarySection{Title: "Assets", Text: b.String()}, nil
}

// assetMatches reads a summary's label selector against an asset.
func assetMatches(a inventory.Asset, want map[string]string) bool {
	for k, v := range want {
		var got string
		switch k {
		case "env":
			got = a.Env
		case "role":
			got = a.Role
		case "team":
			got = a.Team
		default:
			got = a.Labels[k]
		}
		if got != v {
			return false
		}
	}
	return true
}
