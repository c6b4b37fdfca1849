package slackemu

import (
	"strconv"
	"time"
)

// triggerRec is a trigger_id the emulator handed out with an interaction.
type triggerRec struct {
	user   string
	issued time.Time
	used   bool
}

func (s *Server) issueTriggerLocked(user string) string {
	now := time.Now()
	id := strconv.FormatInt(now.Unix(), 10) + "." + s.ids.next("") + "." + randomHex(16)
	s.triggers[id] = &triggerRec{user: user, issued: now}
	return id
}

// useTriggerLocked exchanges a trigger_id for the user it was issued to.
func (s *Server) useTriggerLocked(id string) (string, string) {
	t, ok := s.triggers[id]
	switch {
	case id == "" || !ok:
		return "", "invalid_trigger_id"
	case t.used:
		return "", "exchanged_trigger_id"
	case time.Since(t.issued) > s.cfg.triggerTTL:
		return "", "expired_trigger_id"
	}
	t.used = true
	return t.user, ""
}
