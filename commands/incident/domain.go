package incident

import "opsbot/bot"

// The incident desk's part of the domain contract.
var (
	_ bot.CommandSet   = (*Service)(nil)
	_ bot.ActionSet    = (*Service)(nil)
	_ bot.ViewSet      = (*Service)(nil)
	_ bot.StepSet      = (*Service)(nil)
	_ bot.HomeProvider = (*Service)(nil)
	_ bot.Describer    = (*Service)(nil)
)

// Groups names the incident verb group for help.
func (s *Service) Groups() map[string]string { return map[string]string{"incident": Describe} }

// HomeSections offers the App Home's incident section.
func (s *Service) HomeSections() []bot.HomeSection {
	return []bot.HomeSection{{Title: "Open incidents I'm in", Render: s.HomeSection}}
}
