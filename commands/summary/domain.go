package summary

import "opsbot/bot"

// The summary's part of the domain contract.
var (
	_ bot.CommandSet = (*Service)(nil)
	_ bot.Describer  = (*Service)(nil)
	_ bot.JobSet     = (*Service)(nil)
)

// Groups names the summary verb group for help.
func (s *Service) Groups() map[string]string {
	return map[string]string{"summary": "the health summary: monitoring, incidents, changes and on-call at a glance"}
}
