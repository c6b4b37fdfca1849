package oncall

import (
	"strings"

	"opsbot/bot"
	"opsbot/bot/args"
)

// resolveUser reads a user from a mention, a user id or a configured name.
func (s *Service) resolveUser(t args.Token) (string, error) {
	switch t.Kind {
	case args.User:
		return t.Value, nil
	case args.Word:
		w := strings.TrimPrefix(t.Value, "@")
		if id, ok := s.cfg.people[strings.ToLower(w)]; ok {
			return id, nil
		}
		if userIDRe.MatchString(w) {
			return w, nil
		}
	}
	if t.Value == "" {
		return "", bot.Errorf(bot.CodeInvalid, "name the user: %s", s.knownPeople())
	}
	return "", bot.Errorf(bot.CodeNotFound, "I don't know the user %q: %s", t.Text(), s.knownPeople())
}
