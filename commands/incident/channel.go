package incident

import (
	"context"
	"fmt"
	"strings"
)

// channelName is the incident's own channel: "inc-42-db-latency", within
// Slack's 80 characters of lower-case letters, digits and hyphens.
func channelName(prefix string, i *Incident) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(i.Title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	name := fmt.Sprintf("%s-%d-%s", prefix, i.Num, strings.TrimSuffix(b.String(), "-"))
	if len(name) > 80 {
		name = strings.TrimRight(name[:80], "-")
	}
	return strings.TrimSuffix(name, "-")
}

// makeChannel creates the incident's channel and invites the reporter
// and whoever was paged; it returns a note when it could not.
func (s *Service) makeChannel(ctx context.Context, i *Incident) string {
	if s.channels == nil {
		return "no channel of its own: this transport cannot create channels"
	}
	name := channelName(s.cfg.prefix, i)
	id, err := s.channels.CreateChannel(ctx, name)
	if err != nil {
		s.log.Warn("create incident channel", "incident", i.ID(), "name", name, "err", err)
		return fmt.Sprintf("the channel #%s could not be created (%v)", name, err)
	}
	i.IncChannel = id
	users := []string{i.Reporter}
	for _, u := range i.Paged {
		if u != i.Reporter {
			users = append(users, u)
		}
	}
	if err := s.channels.Invite(ctx, id, users...); err != nil {
		s.log.Warn("invite to incident channel", "incident", i.ID(), "err", err)
		return fmt.Sprintf("inviting people to #%s failed (%v)", name, err)
	}
	return ""
}
