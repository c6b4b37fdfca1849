package oncall

import "opsbot/bot"

// The on-call desk's part of the domain contract.
var (
	_ bot.CommandSet   = (*Service)(nil)
	_ bot.ActionSet    = (*Service)(nil)
	_ bot.StepSet      = (*Service)(nil)
	_ bot.HomeProvider = (*Service)(nil)
	_ bot.Describer    = (*Service)(nil)
	_ bot.Starter      = (*Service)(nil)
)

// Groups names the oncall verb group for help.
func (s *Service) Groups() map[string]string { return map[string]string{"oncall": Describe} }

// HomeSections offers the App Home's on-call section.
func (s *Service) HomeSections() []bot.HomeSection {
	return []bot.HomeSection{{Title: "My next on-call shifts", Render: s.HomeSection}}
}
