package oncall

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/bot/args"
	"opsbot/bot/blocks"
)

// Page is a request for attention that escalates until acknowledged.
type Page struct {
	ID      string // "PG-3"
	Target  string // what was paged, as shown: "sre", "<@U1>"
	Message string
	By      string // who paged; empty for opsbot itself
	Channel string // where the page was raised, for the "nobody answered" notice
	Ref     string // what the page is about, e.g. "INC-42"
	State   string // open, acked, exhausted
	Level   int    // index of the level paged last
	Levels  []pageLevel
	Created time.Time
	AckedBy string
	AckedAt time.Time
	// Paged lists who was paged, in order, with the DM that reached them.
	Paged []pagedUser
	// Failed lists whom a DM of the page could not reach.
	Failed []pagedUser
}

type pageLevel struct {
	Schedule string   `json:"schedule,omitempty"`
	Users    []string `json:"users,omitempty"`
	AfterMs  int64    `json:"after"`
}

func (l pageLevel) after() time.Duration { return time.Duration(l.AfterMs) * time.Millisecond }

// pagedUser is one DM sent for a page.
type pagedUser struct {
	Level int
	User  string
	TS    string
	// Why says why a failed DM did not reach them.
	Why string
}

// Page states.
const (
	PageOpen      = "open"
	PageAcked     = "acked"
	PageExhausted = "exhausted"
)

func (s *Service) pageKey(id string) string { return s.key("{oncall}", "page", id) }
func (s *Service) dmsKey(id string) string  { return s.key("{oncall}", "page", id, "dms") }

// failedKey lists the DMs of a page that could not be delivered.
func (s *Service) failedKey(id string) string { return s.key("{oncall}", "page", id, "failed") }

// resolveTarget turns what was typed after `oncall page` into levels.
func (s *Service) resolveTarget(t args.Token) (string, []pageLevel, error) {
	after := DefaultLevelDelay.Milliseconds()
	if t.Kind == args.Word {
		name := strings.ToLower(t.Value)
		if sc, ok := s.cfg.schedules[name]; ok && sc.Policy == "" {
			return sc.Name, []pageLevel{{Schedule: sc.Name, AfterMs: after}}, nil
		} else if ok {
			name = sc.Policy
		}
		if p, ok := s.cfg.policies[name]; ok {
			levels := make([]pageLevel, len(p.Levels))
			for i, l := range p.Levels {
				levels[i] = pageLevel{Schedule: l.Schedule, Users: l.Users, AfterMs: l.After.Milliseconds()}
			}
			return strings.ToLower(t.Value), levels, nil
		}
	}
	user, err := s.resolveUser(t)
	if err != nil {
		return "", nil, bot.Errorf(bot.CodeNotFound, "I can't page %q: name a schedule (%s), an escalation policy (%s) or a person (%s)",
			t.Text(), orNone(s.cfg.order), orNone(slices.Sorted(maps.Keys(s.cfg.policies))), s.knownPeople())
	}
	return mention(user), []pageLevel{{Users: []string{user}, AfterMs: after}}, nil
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "none configured"
	}
	return strings.Join(l, ", ")
}

// levelUsers is who a level pages now.
func (s *Service) levelUsers(ctx context.Context, l pageLevel) ([]string, error) {
	if l.Schedule == "" {
		return l.Users, nil
	}
	oc, err := s.WhoIsOnCall(ctx, l.Schedule, s.now())
	if err != nil {
		return nil, err
	}
	if oc.Now.User == "" {
		return nil, nil
	}
	return []string{oc.Now.User}, nil
}

// PageTarget pages a schedule, policy or person (as typed in config or
// chat) about ref, for other domains: the incident desk pages on-call
// through it. It returns the page id and who was paged first.
func (s *Service) PageTarget(ctx context.Context, target, message, by, channel, ref string) (string, []string, error) {
	a, err := args.Parse(target)
	if err != nil || a.Len() != 1 {
		return "", nil, bot.Errorf(bot.CodeInvalid, "page target %q: name one schedule, policy or person", target)
	}
	p, err := s.page(ctx, a.At(0), message, by, channel, ref)
	if err != nil {
		return "", nil, err
	}
	var users []string
	for _, u := range p.Paged {
		users = append(users, u.User)
	}
	return p.ID, users, nil
}

// page creates a page and pages its first level. The page and its
// escalation step are stored before anyone is messaged, so a crash after
// the first DM still escalates.
func (s *Service) page(ctx context.Context, target args.Token, message, by, channel, ref string) (*Page, error) {
	name, levels, err := s.resolveTarget(target)
	if err != nil {
		return nil, err
	}
	now := s.now()
	first, err := s.levelUsers(ctx, levels[0])
	if err != nil {
		return nil, err
	}
	if len(levels) == 1 && len(first) == 0 {
		return nil, bot.Errorf(bot.CodeConflict, "nobody is on call for %s right now, so there is nobody to page; page a person instead", name)
	}
	n, err := s.rdb.Incr(ctx, s.key("{oncall}", "page", "seq")).Result()
	if err != nil {
		return nil, bot.Unavailable("the state store", fmt.Errorf("number the page: %w", err))
	}
	p := &Page{ID: "PG-" + strconv.FormatInt(n, 10), Target: name, Message: message, By: by, Channel: channel, Ref: ref,
		State: PageOpen, Levels: levels, Created: now}
	due := now.Add(levels[0].after())
	if len(first) == 0 {
		due = now
	}
	if err := s.storePage(ctx, p, due); err != nil {
		return nil, err
	}
	// The page stands and escalates even when someone could not be
	// reached; notify logs and records who.
	s.notify(ctx, p, 0, first)
	return p, nil
}

// batchScheduler schedules steps on a caller's pipeline; jobs/loop.Loop
// is one (its steps live in the same Redis).
type batchScheduler interface {
	ScheduleIn(ctx context.Context, p redis.Pipeliner, kind, id string, due time.Time, payload string) (*redis.Cmd, error)
}

// storePage writes a new page and schedules its escalation at due, in
// one round trip when the scheduler can share a pipeline. When either
// fails, the page is removed again: nothing half-written stays behind.
func (s *Service) storePage(ctx context.Context, p *Page, due time.Time) error {
	lv, _ := json.Marshal(p.Levels)
	hset := func(c redis.Cmdable) *redis.IntCmd {
		return c.HSet(ctx, s.pageKey(p.ID), "id", p.ID, "target", p.Target, "message", p.Message, "by", p.By, "channel", p.Channel,
			"ref", p.Ref, "state", PageOpen, "level", 0, "levels", lv, "created", p.Created.UnixMilli())
	}
	var stored, scheduled error
	if bs, ok := s.steps.(batchScheduler); ok {
		var h *redis.IntCmd
		var sc *redis.Cmd
		_, _ = s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
			h = hset(pl)
			sc, scheduled = bs.ScheduleIn(ctx, pl, StepEscalate, p.ID, due, "1")
			return nil
		})
		stored = h.Err()
		if scheduled == nil {
			scheduled = sc.Err()
		}
	} else if stored = hset(s.rdb).Err(); stored == nil {
		scheduled = s.steps.Schedule(ctx, StepEscalate, p.ID, due, "1")
	}
	if stored != nil {
		return bot.Unavailable("the state store", fmt.Errorf("store page %s: %w", p.ID, stored))
	}
	if scheduled != nil {
		s.rdb.Del(context.WithoutCancel(ctx), s.pageKey(p.ID))
		return bot.Unavailable("the state store", fmt.Errorf("schedule escalation of %s: %w", p.ID, scheduled))
	}
	return nil
}

// notify DMs the users of level L who have not had this page yet. A DM
// that fails is logged, audited and kept in the page's failed list, and
// the others go on: one unreachable person must not stop a page, and
// the next level follows on time. Those who hear of pages (OnPaged) are
// told who was reached and who not.
func (s *Service) notify(ctx context.Context, p *Page, level int, users []string) {
	done := map[string]bool{}
	for _, u := range p.Paged {
		if u.Level == level {
			done[u.User] = true
		}
	}
	var reached, failed []string
	for _, u := range users {
		if done[u] {
			continue
		}
		done[u] = true
		ts, err := s.chat.Post(ctx, bot.Message{Channel: u, Text: pageText(p), Blocks: pageBlocks(p, level)})
		if err != nil {
			s.log.Warn("page DM not delivered; the page goes on", "page", p.ID, "level", level+1, "user", u, "err", err)
			s.record(ctx, "oncall.page_failed", fmt.Sprintf("%s level %d: %s: %v", p.ID, level+1, u, err))
			why := dmAdvice(err)
			if _, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
				pl.RPush(ctx, s.failedKey(p.ID), encodePaged(pagedUser{Level: level, User: u}))
				pl.HSet(ctx, s.whyKey(p.ID), u, why)
				return nil
			}); err != nil {
				s.log.Warn("remember failed page DM", "page", p.ID, "user", u, "err", err)
			}
			p.Failed = append(p.Failed, pagedUser{Level: level, User: u, Why: why})
			failed = append(failed, u)
			continue
		}
		pu := pagedUser{Level: level, User: u, TS: ts}
		p.Paged = append(p.Paged, pu)
		reached = append(reached, u)
		s.metrics.pages.WithLabelValues(strconv.Itoa(level + 1)).Inc()
		if err := s.rdb.RPush(ctx, s.dmsKey(p.ID), encodePaged(pu)).Err(); err != nil {
			// Its DM will not be updated on acknowledgement; the page stands.
			s.log.Warn("remember page DM", "page", p.ID, "user", u, "err", err)
		}
	}
	if p.Ref == "" || len(reached)+len(failed) == 0 {
		return
	}
	s.mu.RLock()
	hooks := append([]PagedFunc(nil), s.onPaged...)
	s.mu.RUnlock()
	for _, h := range hooks {
		h(ctx, p.Ref, p.ID, level, reached, failed)
	}
}

func encodePaged(u pagedUser) string { return strconv.Itoa(u.Level) + "|" + u.User + "|" + u.TS }

func decodePaged(s string) pagedUser {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 {
		return pagedUser{}
	}
	l, _ := strconv.Atoi(parts[0])
	return pagedUser{Level: l, User: parts[1], TS: parts[2]}
}

// loadPage reads a page; nil when there is none.
func (s *Service) loadPage(ctx context.Context, id string) (*Page, error) {
	var h *redis.MapStringStringCmd
	var dms, failed *redis.StringSliceCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, s.pageKey(id))
		dms = p.LRange(ctx, s.dmsKey(id), 0, -1)
		failed = p.LRange(ctx, s.failedKey(id), 0, -1)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read page %s: %w", id, err)
	}
	if len(h.Val()) == 0 {
		return nil, nil
	}
	p := pageFromHash(h.Val())
	for _, d := range dms.Val() {
		p.Paged = append(p.Paged, decodePaged(d))
	}
	for _, d := range failed.Val() {
		p.Failed = append(p.Failed, decodePaged(d))
	}
	return p, nil
}

func pageFromHash(m map[string]string) *Page {
	ms := func(k string) time.Time {
		n, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n).UTC()
	}
	p := &Page{ID: m["id"], Target: m["target"], Message: m["message"], By: m["by"], Channel: m["channel"], Ref: m["ref"],
		State: m["state"], AckedBy: m["acked_by"], Created: ms("created"), AckedAt: ms("acked_at")}
	p.Level, _ = strconv.Atoi(m["level"])
	_ = json.Unmarshal([]byte(m["levels"]), &p.Levels)
	return p
}

// advanceScript moves an open page to level ARGV[1], or marks it
// exhausted past the last level. It returns 1 to page the level, 2 when
// exhausted, 0 when there is nothing to do (acknowledged, or already
// moved on), -1 when the page is gone. Moving to the level it is already
// on returns 1 again, so a retried step pages whoever was missed.
var advanceScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return -1 end
if st ~= 'open' then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'level'))
local L = tonumber(ARGV[1])
if cur ~= L - 1 and cur ~= L then return 0 end
if L >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'state', 'exhausted')
  return 2
end
redis.call('HSET', KEYS[1], 'level', L)
return 1`)

// escalateStep pages the next level of an unacknowledged page.
func (s *Service) escalateStep(ctx context.Context, id, payload string) error {
	level, err := strconv.Atoi(payload)
	if err != nil {
		return nil // not ours to understand; dropping it is all we can do
	}
	p, err := s.loadPage(ctx, id)
	if err != nil || p == nil {
		return err
	}
	res, err := advanceScript.Run(ctx, s.rdb, []string{s.pageKey(id)}, level, len(p.Levels)).Int()
	if err != nil {
		return fmt.Errorf("escalate %s: %w", id, err)
	}
	switch res {
	case 2:
		s.record(ctx, "oncall.exhausted", p.ID+" "+p.Target)
		if p.Channel != "" {
			_, err := s.chat.Post(ctx, bot.Message{Channel: p.Channel, Text: fmt.Sprintf(
				":warning: Nobody acknowledged page %s (%s: %s) after %s of escalation. Page someone directly with `oncall page @user <message>`.",
				p.ID, p.Target, blocks.Escape(p.Message), allLevels(len(p.Levels)))})
			return err
		}
		return nil
	case 1:
	default:
		return nil
	}
	p.Level = level
	users, err := s.levelUsers(ctx, p.Levels[level])
	if err != nil {
		return err
	}
	s.notify(ctx, p, level, users)
	due := s.now().Add(p.Levels[level].after())
	if len(users) == 0 {
		due = s.now()
	}
	s.record(ctx, "oncall.escalate", fmt.Sprintf("%s level %d: %s", p.ID, level+1, strings.Join(users, ",")))
	return s.steps.Schedule(ctx, StepEscalate, p.ID, due, strconv.Itoa(level+1))
}
