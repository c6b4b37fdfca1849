package monitor

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/bot"
	"opsbot/integrations/alertmanager"
)

// touchScript marks a group dirty (if it is still stored) and drops it from
// the silence-end set.
//
// KEYS: group, dirty set, silence-end set. ARGV: group id.
var touchScript = redis.NewScript(`
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'ver', 1)
  redis.call('SADD', KEYS[2], ARGV[1])
  return 1
end
return 0`)

// trackSilence remembers when the silence shown on a group's message ends.
func (s *store) trackSilence(ctx context.Context, id string, until time.Time) error {
	if err := s.rdb.ZAdd(ctx, s.silencesKey(), redis.Z{Score: float64(until.UnixMilli()), Member: id}).Err(); err != nil {
		return fmt.Errorf("remember silence end: %w", err)
	}
	return nil
}

// untrackSilence forgets a group's silence end.
func (s *store) untrackSilence(ctx context.Context, id string) {
	s.rdb.ZRem(ctx, s.silencesKey(), id)
}

// sweepSilences marks dirty the groups whose silence has ended, so that
// their message no longer says they are silenced and offers the Silence
// buttons again. Silences ended in Alertmanager itself (expired in its UI,
// say) are found by the silence-reconcile job.
func (s *Service) sweepSilences(ctx context.Context) error {
	now := s.now()
	due, err := s.st.rdb.ZRangeByScore(ctx, s.st.silencesKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: 100,
	}).Result()
	if err != nil {
		return fmt.Errorf("list ended silences: %w", err)
	}
	for _, id := range due {
		if err := touchScript.Run(ctx, s.st.rdb, []string{s.st.groupKey(id), s.st.dirtyKey(), s.st.silencesKey()}, id).Err(); err != nil {
			return fmt.Errorf("redraw alert message after its silence: %w", err)
		}
	}
	return nil
}

// ReconcileJob is the name of the job comparing the silences shown on
// alert messages with Alertmanager's.
const ReconcileJob = "silence-reconcile"

// Jobs offers the silence reconcile to the scheduler: once a minute,
// whichever replica, the silences shown on alert messages are compared
// with Alertmanager's, and those it ended (expired in its UI, say) are
// redrawn as ended.
func (s *Service) Jobs() []bot.Job {
	return []bot.Job{{Name: ReconcileJob, Summary: "redraw alert messages whose silence Alertmanager ended",
		Schedule: "@every 1m", CatchUp: "none", Timeout: time.Minute, Run: s.runReconcile}}
}

func (s *Service) runReconcile(ctx context.Context, _ bot.JobRun) (err error) {
	defer s.d.Panics.Recover("monitor.reconcile", func(perr error) { err = perr })
	if s.d.Alertmanager == nil {
		return nil
	}
	if err := s.reconcileSilences(ctx, s.now()); err != nil {
		return err
	}
	s.notify() // the delivery worker redraws what changed
	return nil
}

// reconcileSilences ends the silence shown on a message when Alertmanager
// says it is expired or does not know it.
func (s *Service) reconcileSilences(ctx context.Context, now time.Time) error {
	ids, err := s.st.rdb.ZRange(ctx, s.st.silencesKey(), 0, 999).Result()
	if err != nil || len(ids) == 0 {
		return err
	}
	all, err := s.d.Alertmanager.ListSilences(ctx, nil)
	if err != nil {
		return fmt.Errorf("compare silences with Alertmanager at %s: %w", s.d.Alertmanager.URL(), err)
	}
	byID := make(map[string]alertmanager.Silence, len(all))
	for _, sl := range all {
		byID[sl.ID] = sl
	}
	for _, id := range ids {
		g, err := s.st.load(ctx, id)
		if err != nil || g.Silence == nil {
			s.st.untrackSilence(ctx, id)
			continue
		}
		sl, ok := byID[g.Silence.ID]
		if ok && sl.Status.State != alertmanager.SilenceExpired {
			continue
		}
		end := now
		if ok && sl.EndsAt.Before(end) {
			end = sl.EndsAt
		}
		if end.After(g.Silence.Until) {
			end = g.Silence.Until
		}
		ended := *g.Silence
		ended.Until = end
		if err := s.st.setJSON(ctx, id, "silence", ended); err != nil {
			return err
		}
		s.st.untrackSilence(ctx, id)
	}
	return nil
}
