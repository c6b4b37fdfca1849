package asset

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

const homeTitle = "Assets of my teams with something wrong"

// maxHomeAssets bounds the assets one App Home section looks at and shows.
const (
	maxHomeAssets = 2000
	maxHomeLines  = 20
)

// trouble is what is wrong with one asset.
type trouble struct {
	asset  inventory.Asset
	down   bool
	alerts []string
	due    []string
}

func (t trouble) rank() int {
	switch {
	case t.down:
		return 0
	case len(t.alerts) > 0:
		return 1
	}
	return 2
}

// HomeSection is "Assets of my teams with something wrong": the assets
// whose team or on-call schedule is one of the person's, that are down,
// have alerts firing or a warranty or end of life coming due.
func (s *Service) HomeSection(ctx context.Context, user string) ([]slack.Block, error) {
	out := []slack.Block{blocks.Header(homeTitle)}
	if s.d.TeamsOf == nil {
		return append(out, blocks.Section("opsbot does not know your teams.")), nil
	}
	teams, err := s.d.TeamsOf(ctx, user)
	if err != nil {
		return nil, bot.Unavailable("your teams", err)
	}
	mine, err := s.teamAssets(ctx, teams)
	if err != nil {
		return nil, notLoaded(err)
	}
	if len(mine) == 0 {
		return append(out, blocks.Section("No asset names one of your teams or on-call schedules as its owner.")), nil
	}
	troubles := map[string]*trouble{}
	get := func(a inventory.Asset) *trouble {
		t, ok := troubles[a.Name]
		if !ok {
			t = &trouble{asset: a}
			troubles[a.Name] = t
		}
		return t
	}
	var notes []string
	if s.d.Prometheus != nil {
		down, alerts, err := s.promTrouble(ctx)
		if err != nil {
			s.log.Warn("asset home: prometheus", "err", err)
			notes = append(notes, "Prometheus did not answer, so down hosts and alerts are missing")
		}
		for _, a := range mine {
			for _, h := range []string{strings.ToLower(a.Name), strings.ToLower(a.Address)} {
				if h == "" {
					continue
				}
				if down[h] {
					get(a).down = true
				}
				if as := alerts[h]; len(as) > 0 {
					get(a).alerts = as
				}
			}
		}
	}
	items, _, err := s.due(ctx, s.cfg.ExpiringDays)
	if err != nil {
		return nil, err
	}
	byName := map[string]inventory.Asset{}
	for _, a := range mine {
		byName[a.Name] = a
	}
	for _, it := range items {
		if a, ok := byName[it.Name]; ok {
			what := "warranty ends"
			if it.Kind == "end_of_life" {
				what = "end of life"
			}
			get(a).due = append(get(a).due, what+" "+daysUntil(it.Date, s.now()))
		}
	}
	list := make([]*trouble, 0, len(troubles))
	for _, t := range troubles {
		list = append(list, t)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].rank() != list[j].rank() {
			return list[i].rank() < list[j].rank()
		}
		return list[i].asset.Name < list[j].asset.Name
	})
	if len(list) == 0 {
		return append(out, blocks.Section(fmt.Sprintf("All %s of your teams look fine: nothing down, no alerts, nothing due in %d days.", plural(len(mine), "asset"), s.cfg.ExpiringDays))), nil
	}
	var lines []string
	for _, t := range list[:min(len(list), maxHomeLines)] {
		parts := []string{"*" + blocks.EscapeCut(t.asset.Name, 80) + "*"}
		if t.down {
			parts = append(parts, ":red_circle: down")
		}
		if len(t.alerts) > 0 {
			parts = append(parts, ":rotating_light: "+blocks.EscapeCut(strings.Join(t.alerts, ", "), 300))
		}
		if len(t.due) > 0 {
			parts = append(parts, ":date: "+strings.Join(t.due, ", "))
		}
		lines = append(lines, strings.Join(parts, " · "))
	}
	secs, _ := sections(lines, 5)
	out = append(out, secs...)
	if n := len(list) - maxHomeLines; n > 0 {
		notes = append(notes, fmt.Sprintf("… and %d more", n))
	}
	if len(notes) > 0 {
		out = append(out, blocks.Context(notes...))
	}
	return out, nil
}

// teamAssets are the assets whose team or on-call schedule is one of
// teams, compared without @, # or case.
func (s *Service) teamAssets(ctx context.Context, teams []string) ([]inventory.Asset, error) {
	want := map[string]bool{}
	for _, t := range teams {
		want[normTeam(t)] = true
	}
	seen := map[string]bool{}
	var out []inventory.Asset
	for _, key := range []string{"team", "oncall"} {
		vals, err := s.index.Values(ctx, key)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if !want[normTeam(v)] || len(out) >= maxHomeAssets {
				continue
			}
			sel := inventory.Selector{Text: key + "=" + v, Terms: []inventory.Term{{Key: key, Op: inventory.OpEqual, Value: v}}}
			res, err := s.index.Select(ctx, inventory.Query{Selector: sel, Limit: maxHomeAssets})
			if err != nil {
				return nil, err
			}
			for _, a := range res.Assets {
				if !seen[a.Name] {
					seen[a.Name] = true
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

func normTeam(t string) string { return strings.ToLower(strings.TrimLeft(t, "@#")) }

// promTrouble asks Prometheus once for the node targets that are down and
// the firing alerts, by host (lower case, port dropped).
func (s *Service) promTrouble(ctx context.Context) (down map[string]bool, alerts map[string][]string, err error) {
	ctx, cancel := context.WithTimeout(ctx, liveTimeout)
	defer cancel()
	q := fmt.Sprintf(`label_replace(up{job=%q} == 0, "opsbot_m", "down", "", "") or label_replace(ALERTS{alertstate="firing"}, "opsbot_m", "alert", "", "")`, s.d.NodeJob)
	res, _, err := s.d.Prometheus.Query(ctx, q, time.Time{})
	down, alerts = map[string]bool{}, map[string][]string{}
	if err != nil {
		return down, alerts, err
	}
	for _, smp := range res.Samples {
		h := strings.ToLower(hostPart(smp.Labels["instance"]))
		if h == "" {
			continue
		}
		switch smp.Labels["opsbot_m"] {
		case "down":
			down[h] = true
		case "alert":
			alerts[h] = append(alerts[h], smp.Labels["alertname"])
		}
	}
	for h := range alerts {
		sort.Strings(alerts[h])
	}
	return down, alerts, nil
}

// hostPart drops the port of an instance.
func hostPart(instance string) string {
	if i := strings.LastIndexByte(instance, ':'); i > 0 && !strings.Contains(instance[:i], ":") {
		return instance[:i]
	}
	return instance
}
