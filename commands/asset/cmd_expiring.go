package asset

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

// maxExpiring bounds the lines asset expiring shows.
const maxExpiring = 60

var withinRe = regexp.MustCompile(`^(\d{1,4})(d|w|mo|y)$`)

// parseWithin reads "90d", "12w", "6mo", "1y" as days.
func parseWithin(s string) (int, bool) {
	m := withinRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	days := map[string]int{"d": 1, "w": 7, "mo": 30, "y": 365}[m[2]] * n
	return days, days >= 1 && days <= 3650
}

func (s *Service) cmdExpiring(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	days := s.cfg.ExpiringDays
	if req.Args.Len() > 1 {
		return nil, req.Command.UsageError("give at most one window, like 90d")
	}
	if w := req.Args.Arg(0); w != "" {
		d, ok := parseWithin(w)
		if !ok {
			return nil, req.Command.UsageError("%s is not a window: write 30d, 12w, 6mo or 1y (at most 10 years)", blocks.Inline(blocks.PlainCut(w, 20)))
		}
		days = d
	}
	b, text, err := s.expiring(ctx, days, nil)
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: text, Blocks: b}, nil
}

// dueItem is a date coming due with its asset.
type dueItem struct {
	inventory.Due
	asset inventory.Asset
}

// due lists what falls due within days (retired assets left out) and how
// many dates already passed.
func (s *Service) due(ctx context.Context, days int) ([]dueItem, int, error) {
	from := startOfDay(s.now())
	to := from.Add(time.Duration(days) * 24 * time.Hour)
	due, past, err := s.index.DueBetween(ctx, from, to)
	if err != nil {
		return nil, 0, notLoaded(err)
	}
	names := make([]string, 0, len(due))
	seen := map[string]bool{}
	for _, d := range due {
		if !seen[d.Name] {
			seen[d.Name] = true
			names = append(names, d.Name)
		}
	}
	assets, err := s.index.GetMany(ctx, names)
	if err != nil {
		return nil, 0, notLoaded(err)
	}
	by := map[string]inventory.Asset{}
	for _, a := range assets {
		by[a.Name] = a
	}
	var out []dueItem
	for _, d := range due {
		a, ok := by[d.Name]
		if !ok || a.State == inventory.StateRetired {
			continue
		}
		out = append(out, dueItem{Due: d, asset: a})
	}
	return out, past, nil
}

// expiring is the message of asset expiring; only, when set, keeps the
// assets it says yes to (the App Home's teams).
func (s *Service) expiring(ctx context.Context, days int, only func(inventory.Asset) bool) ([]slack.Block, string, error) {
	items, past, err := s.due(ctx, days)
	if err != nil {
		return nil, "", err
	}
	var lines []string
	for _, it := range items {
		if only != nil && !only(it.asset) {
			continue
		}
		what := "warranty ends"
		if it.Kind == "end_of_life" {
			what = "end of life"
		}
		line := fmt.Sprintf("%s (%s) · %s · *%s*", day(it.Date), daysUntil(it.Date, s.now()), what, blocks.EscapeCut(it.asset.Name, 80))
		if it.asset.Env != "" {
			line += " · " + blocks.EscapeCut(it.asset.Env, 40)
		}
		if it.asset.Team != "" {
			line += " · " + team(it.asset.Team)
		}
		lines = append(lines, line)
	}
	head := fmt.Sprintf("Nothing comes due in the next %d days.", days)
	if len(lines) > 0 {
		head = fmt.Sprintf("*%d warranties and ends of life come due in the next %d days*, soonest first", len(lines), days)
		if len(lines) == 1 {
			head = fmt.Sprintf("*1 warranty or end of life comes due in the next %d days*", days)
		}
	}
	shown := lines[:min(len(lines), maxExpiring)]
	b := []slack.Block{blocks.Section(head)}
	secs, left := sections(shown, 20)
	b = append(b, secs...)
	var notes []string
	if left+len(lines)-len(shown) > 0 {
		notes = append(notes, fmt.Sprintf("… and %d more; narrow the window to see them", left+len(lines)-len(shown)))
	}
	if past > 0 && only == nil {
		notes = append(notes, fmt.Sprintf("%d warranty or end-of-life dates have already passed (retired assets included).", past))
	}
	if len(notes) > 0 {
		b = append(b, blocks.Context(notes...))
	}
	return b, head, nil
}
