package oncall

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
)

// maxHandoffWait is the longest a schedule goes unchecked, so config
// changes take effect within it.
const maxHandoffWait = 24 * time.Hour

// casScript sets KEYS[1] to ARGV[2] when it holds ARGV[1] (or is unset
// and ARGV[1] is empty); 1 when it did.
var casScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1]) or ''
if v ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`)

// handoffStep checks who is on call for a schedule: when that changed
// since the last check it syncs the user group and posts a notice, then
// schedules the next check at the next change.
func (s *Service) handoffStep(ctx context.Context, name, _ string) error {
	sc, ok := s.cfg.schedules[name]
	if !ok {
		return nil // the schedule left the config
	}
	now := s.now()
	all, err := s.overrides.all(ctx)
	if err != nil {
		return err
	}
	seg := segmentAt(sc, all[name], now)
	if err := s.handoff(ctx, sc, seg); err != nil {
		return err
	}
	next := now.Add(maxHandoffWait)
	if !seg.End.IsZero() && seg.End.Before(next) {
		next = seg.End
	}
	return s.steps.Schedule(ctx, StepHandoff, name, next, "")
}

func (s *Service) handoff(ctx context.Context, sc *Schedule, seg Segment) error {
	key := s.key("{oncall}", "announced", sc.Name)
	cur := seg.User
	if cur == "" {
		cur = "none"
	}
	old, err := s.rdb.Get(ctx, key).Result()
	if err != nil && err != redis.Nil {
		return fmt.Errorf("read last handoff of %s: %w", sc.Name, err)
	}
	if old == cur {
		return nil
	}
	if s.groups != nil && sc.UserGroup != "" && seg.User != "" {
		if err := s.groups.SetMembers(ctx, sc.UserGroup, []string{seg.User}); err != nil {
			return fmt.Errorf("set @%s to %s: %w", sc.UserGroup, seg.User, err)
		}
	}
	won, err := casScript.Run(ctx, s.rdb, []string{key}, old, cur).Int()
	if err != nil {
		return fmt.Errorf("record handoff of %s: %w", sc.Name, err)
	}
	if won == 0 || old == "" || sc.Channel == "" || seg.User == "" {
		// Another replica announced it, or this is the first check ever
		// (nothing was handed over), or there is nowhere to say it.
		return nil
	}
	text := fmt.Sprintf(":pager: %s is on call for *%s* %s", describeSegment(seg), sc.Name, until(seg, sc.Loc))
	if _, err := s.chat.Post(ctx, bot.Message{Channel: sc.Channel, Text: text}); err != nil {
		// Undo the claim so the retry announces it.
		_ = casScript.Run(context.WithoutCancel(ctx), s.rdb, []string{key}, cur, old).Err()
		return fmt.Errorf("post handoff of %s: %w", sc.Name, err)
	}
	s.record(ctx, "oncall.handoff", sc.Name+": "+seg.User)
	return nil
}
