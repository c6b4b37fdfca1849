package monitor

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"opsbot/integrations/alertmanager"
)

// SilenceHosts silences the alerts of hosts for d, for a change that runs
// on them: one Alertmanager silence on instance="<host>" or
// "<host>:<port>". The change desk calls it through its Silencer.
func (s *Service) SilenceHosts(ctx context.Context, hosts []string, d time.Duration, comment string) (string, error) {
	if s.d.Alertmanager == nil {
		return "", fmt.Errorf("silence hosts: no Alertmanager configured")
	}
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(h)
	}
	m, err := alertmanager.NewMatcher("instance", alertmanager.MatchRegexp, "("+strings.Join(quoted, "|")+")(:[0-9]+)?")
	if err != nil {
		return "", fmt.Errorf("silence hosts: %w", err)
	}
	now := s.now()
	id, err := s.d.Alertmanager.CreateSilence(ctx, alertmanager.Silence{Matchers: []alertmanager.Matcher{m}, StartsAt: now, EndsAt: now.Add(d),
		CreatedBy: "opsbot", Comment: comment})
	if err != nil {
		return "", fmt.Errorf("silence hosts: %w", err)
	}
	return id, nil
}
