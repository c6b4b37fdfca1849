package asset

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"opsbot/bot"
)

// The asset commands' part of the domain contract.
var (
	_ bot.CommandSet    = (*Service)(nil)
	_ bot.ActionSet     = (*Service)(nil)
	_ bot.Describer     = (*Service)(nil)
	_ bot.HomeProvider  = (*Service)(nil)
	_ bot.Starter       = (*Service)(nil)
	_ bot.Runner        = (*Service)(nil)
	_ bot.Waiter        = (*Service)(nil)
	_ bot.ReadyDetailer = (*Service)(nil)
)

// Describe is the help summary of the `asset` group.
const Describe = "the inventory: look assets up, list them, check them, see what expires"

// Groups names the asset verb group for help.
func (s *Service) Groups() map[string]string { return map[string]string{"asset": Describe} }

// HomeSections offers "Assets of my teams with something wrong".
func (s *Service) HomeSections() []bot.HomeSection {
	return []bot.HomeSection{{Title: homeTitle, Render: s.HomeSection}}
}

// ReadyDetail is the inventory's line on /readyz: how many assets, and
// the sources that did not read (their last good assets are in use, so
// this never makes opsbot unready).
func (s *Service) ReadyDetail(context.Context) string {
	st := s.d.Inventory.Status()
	probs := st.Problems()
	line := fmt.Sprintf("%d assets from %d sources", st.Assets, len(st.Sources))
	if len(probs) == 0 && st.PublishErr == nil {
		return line + ", all read well"
	}
	var names []string
	for _, p := range probs {
		first, _, _ := strings.Cut(p.Err.Error(), "\n")
		names = append(names, p.Name+" ("+first+")")
	}
	if st.PublishErr != nil {
		names = append(names, "redis index ("+st.PublishErr.Error()+")")
	}
	return line + "; last good kept for: " + strings.Join(names, "; ")
}

func (s *Service) registerMetrics(reg prometheus.Registerer) error {
	assets := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "opsbot_inventory_assets",
		Help: "Assets in the inventory as this replica last merged it."},
		func() float64 { return float64(s.d.Inventory.Snapshot().Len()) })
	failing := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "opsbot_inventory_sources_failing",
		Help: "Inventory sources whose last load failed (their last good assets are in use)."},
		func() float64 { return float64(len(s.d.Inventory.Status().Problems())) })
	for _, c := range []prometheus.Collector{assets, failing} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("asset metrics: %w", err)
		}
	}
	return nil
}
