package incident

import (
	"context"
	"strings"

	"opsbot/bot/blocks"
)

// FromAlert is what an alert group's Open-incident button asks for: the
// group's title and severity label, who clicked, a link to the alerts in
// Alertmanager, and the channel of the alert's message, where the
// incident's card goes too.
type FromAlert struct {
	Title, Severity, User, Link, Channel string
}

// OpenFromAlert opens an incident for an alert group, from its
// Open-incident button. Critical alerts become sev2 (a person decides
// whether it is a sev1), info sev4, the rest sev3. The incident's card
// goes to the alert's channel, and to its own channel when configured.
func (s *Service) OpenFromAlert(ctx context.Context, a FromAlert) (string, error) {
	o, err := s.Open(ctx, OpenRequest{Title: blocks.PlainCut(a.Title, MaxTitle), Severity: alertSeverity(a.Severity),
		Reporter: a.User, Channel: a.Channel, Links: []string{"alert " + a.Link}})
	if err != nil {
		return "", err
	}
	return o.Incident.ID(), nil
}

// alertSeverity maps an alert's severity label to an incident severity.
func alertSeverity(label string) Severity {
	switch strings.ToLower(label) {
	case "critical", "page":
		return 2
	case "info":
		return 4
	}
	return 3
}
