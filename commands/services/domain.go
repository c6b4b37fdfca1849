package services

import "opsbot/bot"

// The service commands' part of the domain contract.
var (
	_ bot.CommandSet = (*Service)(nil)
	_ bot.Describer  = (*Service)(nil)
	_ bot.Waiter     = (*Service)(nil)
)

// Groups names the service verb group for help.
func (s *Service) Groups() map[string]string {
	return map[string]string{"service": "status, logs and restarts of services on hosts"}
}
