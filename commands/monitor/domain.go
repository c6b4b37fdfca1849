package monitor

import (
	"net/http"

	"opsbot/bot"
)

// The monitor's part of the domain contract.
var (
	_ bot.CommandSet   = (*Service)(nil)
	_ bot.ActionSet    = (*Service)(nil)
	_ bot.Runner       = (*Service)(nil)
	_ bot.HTTPProvider = (*Service)(nil)
	_ bot.JobSet       = (*Service)(nil)
)

// WebhookPath is where Alertmanager posts its notifications.
const WebhookPath = "/hooks/alertmanager"

// Handlers offers the Alertmanager webhook. It answers other methods than
// POST with 405 itself, and counts them.
func (s *Service) Handlers() map[string]http.Handler {
	return map[string]http.Handler{WebhookPath: s.Webhook()}
}
