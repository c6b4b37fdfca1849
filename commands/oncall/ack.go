package oncall

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/bot/audit"
)

// ackScript acknowledges a page unless it already is; it returns the
// outcome ("ok", "acked", "missing") and the page's fields.
var ackScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'missing'} end
local res = 'acked'
if st ~= 'acked' then
  redis.call('HSET', KEYS[1], 'state', 'acked', 'acked_by', ARGV[1], 'acked_at', ARGV[2])
  res = 'ok'
end
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, res)
return out`)

// ErrNoPage is returned for a page id that does not exist.
var ErrNoPage = errors.New("no such page")

// acknowledge marks page id acknowledged by user. won is false when
// someone else had already; p is the page as it now is.
func (s *Service) acknowledge(ctx context.Context, id, user string) (p *Page, won bool, err error) {
	now := s.now()
	raw, err := ackScript.Run(ctx, s.rdb, []string{s.pageKey(id)}, user, now.UnixMilli()).StringSlice()
	if err != nil {
		return nil, false, fmt.Errorf("acknowledge %s: %w", id, err)
	}
	if raw[0] == "missing" {
		return nil, false, ErrNoPage
	}
	m := map[string]string{}
	for i := 1; i+1 < len(raw); i += 2 {
		m[raw[i]] = raw[i+1]
	}
	p = pageFromHash(m)
	dms, err := s.rdb.LRange(ctx, s.dmsKey(id), 0, -1).Result()
	if err != nil {
		s.log.Warn("read page DMs", "page", id, "err", err)
	}
	for _, d := range dms {
		p.Paged = append(p.Paged, decodePaged(d))
	}
	if raw[0] != "ok" {
		return p, false, nil
	}
	s.metrics.tta.Observe(now.Sub(p.Created).Seconds())
	if err := s.steps.Cancel(ctx, StepEscalate, id); err != nil {
		s.log.Warn("cancel escalation; the step will find the page acknowledged", "page", id, "err", err)
	}
	s.record(ctx, "oncall.ack", id+" by "+user)
	s.mu.RLock()
	hooks := append([]AckFunc(nil), s.onAcks...)
	s.mu.RUnlock()
	if p.Ref != "" {
		for _, h := range hooks {
			h(ctx, p.Ref, user)
		}
	}
	return p, true, nil
}

// Acknowledge stops page id's escalation on behalf of user, for other
// domains (an incident acknowledged in its own message). A page already
// acknowledged is left as it is.
func (s *Service) Acknowledge(ctx context.Context, id, user string) error {
	p, won, err := s.acknowledge(ctx, id, user)
	if err != nil {
		return err
	}
	if won {
		s.updateDMs(ctx, p, "")
	}
	return nil
}

// updateDMs shows the page's state in every DM it sent, except skipTS.
func (s *Service) updateDMs(ctx context.Context, p *Page, skipTS string) {
	for _, u := range p.Paged {
		if u.TS == "" || u.TS == skipTS {
			continue
		}
		if err := s.chat.Update(ctx, u.User, u.TS, bot.Message{Channel: u.User, Text: pageText(p), Blocks: pageBlocks(p, u.Level)}); err != nil {
			s.log.Warn("update page DM", "page", p.ID, "user", u.User, "err", err)
		}
	}
}

func (s *Service) record(ctx context.Context, action, detail string) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Record(ctx, audit.Entry{User: "opsbot", Action: action, Detail: detail, Outcome: "ok", Trigger: string(bot.TriggerSystem)}); err != nil {
		s.log.Warn("audit", "action", action, "err", err)
	}
}
