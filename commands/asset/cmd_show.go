package asset

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/suggest"
	"opsbot/integrations/inventory"
)

// maxCardItems bounds the alerts, incidents and changes a card lists.
const maxCardItems = 5

func (s *Service) cmdShow(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Args.Len() != 1 {
		return nil, req.Command.UsageError("name one asset")
	}
	a, err := s.find(ctx, req.Args.Arg(0))
	if err != nil {
		return nil, err
	}
	l := s.gather(ctx, a)
	b := s.card(a, l)
	return &bot.Reply{Text: "Asset " + blocks.EscapeCut(a.Name, 200), Blocks: b}, nil
}

// find returns the asset called name, or says it does not exist and
// which names are close.
func (s *Service) find(ctx context.Context, name string) (inventory.Asset, error) {
	name = blocks.Unescape(strings.TrimSpace(name))
	a, err := s.index.Get(ctx, name)
	if errors.Is(err, inventory.ErrNotFound) {
		return a, s.unknown(ctx, name, false)
	}
	if err != nil {
		return a, notLoaded(err)
	}
	return a, nil
}

// unknown is the error for an asset that does not exist, with the names
// (and, for a selector, the groups) it is close to.
func (s *Service) unknown(ctx context.Context, name string, selector bool) error {
	msg := "there is no asset " + blocks.Inline(blocks.PlainCut(name, 60))
	if selector {
		msg = "there is no asset or group " + blocks.Inline(blocks.PlainCut(name, 60))
	}
	names, groups, err := s.index.Names(ctx)
	if err != nil {
		return notLoaded(err)
	}
	if selector {
		names = append(names, groups...)
	} else if slices.Contains(groups, name) {
		return bot.Errorf(bot.CodeNotFound, "%s; %s is a group: `asset list %s` lists it", msg, blocks.Inline(name), blocks.Escape(name))
	}
	if near := suggest.Near(name, names, 2, 5); len(near) > 0 {
		for i, n := range near {
			near[i] = blocks.Escape(n)
		}
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	} else if len(names) == 0 {
		msg += "; the inventory is empty (see `asset sources`)"
	} else {
		msg += "; `asset list` shows them all"
	}
	return bot.Errorf(bot.CodeNotFound, "%s", msg)
}

// card is an asset's one message: its facts, what is live, buttons.
func (s *Service) card(a inventory.Asset, l *live) []slack.Block {
	title := a.Name
	if a.Role != "" || a.Env != "" {
		title += " (" + strings.Trim(a.Role+" · "+a.Env, " ·") + ")"
	}
	out := []slack.Block{blocks.Header(title)}
	out = append(out, blocks.Fields(s.facts(a, l)...))
	if len(a.Labels) > 0 {
		var ls []string
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			ls = append(ls, blocks.EscapeCut(k, 60)+"="+blocks.EscapeCut(a.Labels[k], 100))
		}
		out = append(out, blocks.Context("Labels: "+blocks.Cut(strings.Join(ls, " · "), 1900)))
	}
	out = append(out, blocks.Section(s.liveText(a, l)))
	var ctxLine []string
	ctxLine = append(ctxLine, "Source: "+blocks.EscapeCut(a.Source, 60))
	ctxLine = append(ctxLine, l.notes...)
	out = append(out, blocks.Context(blocks.Cut(strings.Join(ctxLine, " · "), 1900)))
	btns := []slack.BlockElement{blocks.Button(actionCheck, "Check now", a.Name, slack.StylePrimary)}
	if s.d.IncidentForm != nil {
		btns = append(btns, blocks.Button(actionIncident, "Open incident", a.Name, slack.StyleDanger))
	}
	if s.d.ChangeForm != nil {
		btns = append(btns, blocks.Button(actionChange, "Request change", a.Name, ""))
	}
	return append(out, blocks.Actions("asset.card", btns...))
}

// facts are the card's fields (at most ten).
func (s *Service) facts(a inventory.Asset, l *live) []string {
	f := func(label, v string) string { return "*" + label + "*\n" + v }
	reach := blocks.EscapeCut(or(a.Address), 200)
	if a.User != "" {
		reach += ", ssh as " + blocks.EscapeCut(a.User, 60)
	}
	if a.Port != 0 {
		reach += fmt.Sprintf(", port %d", a.Port)
	}
	groups := "—"
	if len(a.Groups) > 0 {
		groups = blocks.EscapeCut(strings.Join(a.Groups, ", "), 500)
	}
	oncall := "—"
	if a.OnCall != "" {
		oncall = blocks.EscapeCut(a.OnCall, 80)
		if l.onCall != "" {
			oncall += ": " + blocks.Mention(l.onCall) + " now"
		}
	}
	state := words(string(a.State))
	if a.Criticality != "" {
		state = strings.Trim(state+" · "+string(a.Criticality)+" criticality", " ·")
	}
	os := strings.TrimSpace(a.OS + " " + a.OSVersion)
	hw := strings.TrimSpace(strings.Join([]string{a.Vendor, a.Model}, " "))
	if a.Serial != "" {
		hw = strings.TrimSpace(hw + " · serial " + a.Serial)
	}
	var dates []string
	if !a.Purchased.IsZero() {
		dates = append(dates, "bought "+day(a.Purchased))
	}
	if !a.WarrantyEnd.IsZero() {
		dates = append(dates, "warranty until "+day(a.WarrantyEnd)+" ("+daysUntil(a.WarrantyEnd, s.now())+")")
	}
	if !a.EndOfLife.IsZero() {
		dates = append(dates, "end of life "+day(a.EndOfLife)+" ("+daysUntil(a.EndOfLife, s.now())+")")
	}
	return []string{
		f("Address", reach),
		f("Groups", groups),
		f("Team", team(a.Team)),
		f("On call", oncall),
		f("State", or(state)),
		f("OS", blocks.EscapeCut(or(os), 200)),
		f("Location", blocks.EscapeCut(or(a.Location), 200)),
		f("Hardware", blocks.EscapeCut(or(hw), 400)),
		f("Lifecycle", or(strings.Join(dates, "\n"))),
		f("Monitoring", monitoring(a)),
	}
}

func monitoring(a inventory.Asset) string {
	switch a.Monitored {
	case inventory.MonitoredYes:
		return "scraped by Prometheus"
	case inventory.MonitoredNo:
		return ":warning: unmonitored: Prometheus does not scrape it"
	}
	return "—"
}

// liveText is the card's "Now" section.
func (s *Service) liveText(a inventory.Asset, l *live) string {
	var lines []string
	if l.metricsKnown {
		switch {
		case math.IsNaN(l.up):
			lines = append(lines, ":grey_question: no node exporter target for it in Prometheus")
		case l.up < 1:
			lines = append(lines, ":red_circle: *down*: Prometheus cannot scrape it")
		default:
			lines = append(lines, fmt.Sprintf(":large_green_circle: up · CPU %s · memory %s · fullest disk %s", pct(l.cpu), pct(l.mem), pct(l.disk)))
		}
		if len(l.alerts) == 0 {
			lines = append(lines, "No alerts firing.")
		} else {
			var as []string
			for _, f := range l.alerts[:min(len(l.alerts), maxCardItems)] {
				t := blocks.EscapeCut(f.name, 100)
				if f.severity != "" {
					t += " (" + blocks.EscapeCut(f.severity, 20) + ")"
				}
				as = append(as, t)
			}
			lines = append(lines, fmt.Sprintf(":rotating_light: %s firing: %s%s", plural(len(l.alerts), "alert"), strings.Join(as, ", "), more(len(l.alerts))))
		}
	}
	if s.d.Incidents != nil {
		if len(l.incidents) == 0 {
			lines = append(lines, "No open incident names it.")
		}
		for _, i := range l.incidents[:min(len(l.incidents), maxCardItems)] {
			lines = append(lines, fmt.Sprintf(":fire: *%s* %s · %s · opened %s", blocks.Escape(i.ID), blocks.Escape(i.Severity), blocks.EscapeCut(i.Title, 200), s.when(i.Opened)))
		}
		if len(l.incidents) > maxCardItems {
			lines = append(lines, fmt.Sprintf("… and %d more open incidents", len(l.incidents)-maxCardItems))
		}
	}
	if s.d.Changes != nil {
		if len(l.changes) == 0 {
			lines = append(lines, "No change is pending or running on it.")
		}
		for _, c := range l.changes[:min(len(l.changes), maxCardItems)] {
			lines = append(lines, fmt.Sprintf(":wrench: *%s* %s · %s · by %s", blocks.Escape(c.ID), blocks.EscapeCut(c.Title, 200), words(blocks.Escape(c.State)), blocks.Mention(c.Requester)))
		}
		if len(l.changes) > maxCardItems {
			lines = append(lines, fmt.Sprintf("… and %d more changes", len(l.changes)-maxCardItems))
		}
	}
	if l.check != nil {
		lines = append(lines, "Last check "+s.when(l.check.At)+": "+l.check.summary())
	} else {
		lines = append(lines, "Never checked: `asset check "+blocks.Escape(a.Name)+"` (or Check now).")
	}
	return "*Now*\n" + strings.Join(lines, "\n")
}

func more(n int) string {
	if n > maxCardItems {
		return fmt.Sprintf(" and %d more", n-maxCardItems)
	}
	return ""
}

// pct is a fraction as a percentage, or "?" when unknown.
func pct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	return fmt.Sprintf("%.0f%%", f*100)
}
