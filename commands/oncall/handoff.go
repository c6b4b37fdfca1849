package oncall

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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

// groupRetry is how soon a schedule is checked again after its user
// group could not be updated.
const groupRetry = 10 * time.Minute

// handoffStep checks who is on call for a schedule: when that changed
// since the last check it syncs the user group and posts a notice, then
// schedules the next check at the next change. A user group that cannot
// be updated is reported in the notice and the log and tried again at
// the next check, which then comes within groupRetry: it never stops
// the notices or the checks.
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
	syncErr := s.syncGroup(ctx, sc, seg)
	if err := s.handoff(ctx, sc, seg, syncErr); err != nil {
		return err
	}
	next := now.Add(maxHandoffWait)
	if !seg.End.IsZero() && seg.End.Before(next) {
		next = seg.End
	}
	if syncErr != nil && now.Add(groupRetry).Before(next) {
		next = now.Add(groupRetry)
	}
	return s.steps.Schedule(ctx, StepHandoff, name, next, "")
}

// syncGroup makes the schedule's user group hold whoever is on call,
// unless the last sync already did. It returns why it could not.
func (s *Service) syncGroup(ctx context.Context, sc *Schedule, seg Segment) error {
	if s.groups == nil || sc.UserGroup == "" || seg.User == "" {
		return nil
	}
	key := s.key("{oncall}", "synced", sc.Name)
	synced, err := s.rdb.Get(ctx, key).Result()
	if err != nil && err != redis.Nil {
		return fmt.Errorf("read last sync of @%s: %w", sc.UserGroup, err)
	}
	if synced == seg.User {
		return nil
	}
	if err := s.groups.SetMembers(ctx, sc.UserGroup, []string{seg.User}); err != nil {
		s.log.Warn("user group not updated; retrying at the next check", "schedule", sc.Name, "group", sc.UserGroup,
			"user", seg.User, "retry_in", groupRetry, "err", err)
		s.record(ctx, "oncall.group_failed", fmt.Sprintf("@%s to %s: %v", sc.UserGroup, seg.User, err))
		return fmt.Errorf("set @%s to %s: %w", sc.UserGroup, seg.User, err)
	}
	if err := s.rdb.Set(ctx, key, seg.User, 0).Err(); err != nil {
		// The group is right; the next check just sets it again.
		s.log.Warn("record user group sync", "schedule", sc.Name, "err", err)
	}
	return nil
}

// handoff posts the notice when whoever is on call changed since the
// last check; syncErr, when set, is why the user group was not updated.
func (s *Service) handoff(ctx context.Context, sc *Schedule, seg Segment, syncErr error) error {
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
	if syncErr != nil {
		text += fmt.Sprintf("\n:warning: @%s could not be updated (%v); opsbot tries again in %s.",
			sc.UserGroup, syncProblem(syncErr), fmtSpan(groupRetry))
	}
	if _, err := s.chat.Post(ctx, bot.Message{Channel: sc.Channel, Text: text}); err != nil {
		// Undo the claim so the retry announces it.
		_ = casScript.Run(context.WithoutCancel(ctx), s.rdb, []string{key}, cur, old).Err()
		return fmt.Errorf("post handoff of %s: %w", sc.Name, err)
	}
	s.record(ctx, "oncall.handoff", sc.Name+": "+seg.User)
	return nil
}

// syncProblem words why a user group sync failed for the channel notice:
// Slack's answer as the workspace reported it, but not a Go network error
// with URLs in it (those are in the log).
func syncProblem(err error) string {
	if _, ok := errors.AsType[*url.Error](err); ok {
		return "Slack could not be reached"
	}
	if inner := errors.Unwrap(err); inner != nil {
		return inner.Error()
	}
	return err.Error()
}
