package oncall

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot/outbox"
)

// whyKey keeps, per user, why the latest DM of a page to them failed.
func (s *Service) whyKey(id string) string { return s.key("{oncall}", "page", id, "why") }

// dmAdvice says why a page's DM could not be delivered, in words the
// person who paged can act on.
func dmAdvice(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "channel_not_found", "user_not_found":
			return "Slack knows no such user, or opsbot cannot message them (" + se.Err + "); check their user id in opsbot's oncall config"
		case "user_disabled":
			return "their Slack account is deactivated; take them out of the rotation"
		case "cannot_dm_bot":
			return "that is a bot, which cannot be paged; check the user id in opsbot's oncall config"
		}
	}
	return strings.TrimSuffix(outbox.Advice(err), ".")
}

// Unreached says whom the DMs of page id could not reach, and why, by
// user id; the incident desk shows it with the incident.
func (s *Service) Unreached(ctx context.Context, id string) (map[string]string, error) {
	why, err := s.rdb.HGetAll(ctx, s.whyKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("read why page %s failed: %w", id, err)
	}
	return why, nil
}

// unreachedText is "<@U1> could not be reached: why. …" for the failed
// DMs of a page, for the reply to whoever paged.
func unreachedText(failed []pagedUser) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, u := range failed {
		if seen[u.User] || u.Why == "" {
			continue
		}
		seen[u.User] = true
		fmt.Fprintf(&b, " %s could not be reached: %s.", mention(u.User), u.Why)
	}
	return b.String()
}
