package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"opsbot/integrations/alertmanager"
)

// hostSilencer silences the alerts of a change's hosts while it runs: one
// Alertmanager silence on instance="<host>" or "<host>:<port>".
type hostSilencer struct{ am *alertmanager.Client }

func (s hostSilencer) SilenceHosts(ctx context.Context, hosts []string, d time.Duration, comment string) (string, error) {
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(h)
	}
	m, err := alertmanager.NewMatcher("instance", alertmanager.MatchRegexp, "("+strings.Join(quoted, "|")+")(:[0-9]+)?")
	if err != nil {
		return "", fmt.Errorf("silence hosts: %w", err)
	}
	now := time.Now()
	id, err := s.am.CreateSilence(ctx, alertmanager.Silence{Matchers: []alertmanager.Matcher{m}, StartsAt: now, EndsAt: now.Add(d),
		CreatedBy: "opsbot", Comment: comment})
	if err != nil {
		return "", fmt.Errorf("silence hosts: %w", err)
	}
	return id, nil
}
