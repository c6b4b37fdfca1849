package change

import "opsbot/bot"

// The change desk's part of the domain contract.
var (
	_ bot.CommandSet   = (*Service)(nil)
	_ bot.ActionSet    = (*Service)(nil)
	_ bot.ViewSet      = (*Service)(nil)
	_ bot.StepSet      = (*Service)(nil)
	_ bot.HomeProvider = (*Service)(nil)
	_ bot.Describer    = (*Service)(nil)
	_ bot.JobSet       = (*Service)(nil)
	_ bot.Waiter       = (*Service)(nil)
)

// Groups names the change verb group for help.
func (s *Service) Groups() map[string]string {
	return map[string]string{"change": "change requests: approval, then execution over SSH"}
}

// HomeSections offers the App Home's approvals section.
func (s *Service) HomeSections() []bot.HomeSection {
	return []bot.HomeSection{{Title: "Changes awaiting my approval", Render: s.HomeSection}}
}
