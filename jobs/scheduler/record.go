package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The outcomes of a run.
const (
	outcomeOK          = "ok"
	outcomeFailed      = "failed"
	outcomeTimeout     = "timeout"
	outcomeSkipped     = "skipped"
	outcomeInterrupted = "interrupted"
	outcomeMissed      = "missed"
)

// run is one recorded run of a job.
type run struct {
	Job     string    `json:"-"`
	Due     time.Time `json:"due"`
	By      string    `json:"by,omitempty"`
	Missed  int       `json:"missed,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Outcome string    `json:"outcome"`
	Error   string    `json:"error,omitempty"`
}

// Run is a recorded run, as `jobs history` shows it.
type Run = run

// Keys, all under one hash tag so the start script touches one slot:
// {jobs}:started:<job>:<due ms> marks an occurrence begun (expires after a
// day), {jobs}:runs:<job> lists the newest runs (a capped list of JSON),
// {jobs}:paused is the set of paused jobs.
func (s *Scheduler) startedKey(job string, due time.Time) string {
	return s.key("{jobs}", "started", job, strconv.FormatInt(due.UnixMilli(), 10))
}
func (s *Scheduler) runsKey(job string) string { return s.key("{jobs}", "runs", job) }
func (s *Scheduler) pausedKey() string         { return s.key("{jobs}", "paused") }

// beginScript begins an occurrence, in one round trip. It is skipped when
// its job is paused (unless run by hand), when it was begun before (the
// loop retried it), or when the job's previous run is still within its
// timeout (runs of one job never overlap). A previous run past its
// deadline that never recorded its end was cut off with its replica: it
// is recorded interrupted.
// KEYS: started, paused, runs, running. ARGV: job, started ttl ms,
// history length, "1" to honour a pause, now ms, this run's running
// value ("<deadline ms>|<record if interrupted>"), the skipped record.
// Returns 1 begun, 0 begun before, -1 paused, -2 still running.
var beginScript = redis.NewScript(`
if ARGV[4] == '1' and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -1 end
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
local cur = redis.call('HGET', KEYS[4], ARGV[1])
if cur then
  local sep = string.find(cur, '|', 1, true)
  if tonumber(string.sub(cur, 1, sep - 1)) >= tonumber(ARGV[5]) then
    redis.call('LPUSH', KEYS[3], ARGV[7])
    redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
    return -2
  end
  redis.call('LPUSH', KEYS[3], string.sub(cur, sep + 1))
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[6])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
return 1`)

func (s *Scheduler) runningKey() string { return s.key("{jobs}", "running") }

// begin begins the occurrence of job at due (see beginScript); by is who
// runs it by hand ("" for the schedule). It reports whether to run it.
func (s *Scheduler) begin(ctx context.Context, e *entry, due time.Time, by string) (bool, error) {
	job := e.job.Name
	now := s.opts.Clock()
	interrupted, _ := json.Marshal(run{Due: due, By: by, Start: now, End: now.Add(e.job.Timeout), Outcome: outcomeInterrupted,
		Error: "the replica running it stopped mid-run; later occurrences ran as scheduled"})
	skipped, _ := json.Marshal(run{Due: due, By: by, Start: now, End: now, Outcome: outcomeSkipped,
		Error: "the previous run was still running"})
	honourPause := "1"
	if by != "" {
		honourPause = "0" // a paused job still runs by hand
	}
	running := strconv.FormatInt(now.Add(e.job.Timeout).UnixMilli(), 10) + "|" + string(interrupted)
	res, err := beginScript.Run(ctx, s.rdb, []string{s.startedKey(job, due), s.pausedKey(), s.runsKey(job), s.runningKey()},
		job, (24 * time.Hour).Milliseconds(), s.opts.History, honourPause, now.UnixMilli(), running, string(skipped)).Int()
	if err != nil {
		return false, fmt.Errorf("start job %s: %w", job, err)
	}
	switch res {
	case -1:
		s.opts.Log.Info("job paused; occurrence skipped", "job", job, "due", due)
		s.m.runs.WithLabelValues(job, outcomeSkipped).Inc()
	case -2:
		s.opts.Log.Warn("job still running; occurrence skipped", "job", job, "due", due)
		s.m.runs.WithLabelValues(job, outcomeSkipped).Inc()
	case 0:
		s.opts.Log.Info("job occurrence begun before; not run again", "job", job, "due", due)
	}
	return res == 1, nil
}

// record adds r to its job's history, newest first, capped; a run's end
// also clears its running mark.
func (s *Scheduler) record(ctx context.Context, r run, ended bool) {
	b, _ := json.Marshal(r)
	p := s.rdb.TxPipeline()
	p.LPush(ctx, s.runsKey(r.Job), b)
	p.LTrim(ctx, s.runsKey(r.Job), 0, s.opts.History-1)
	if ended {
		p.HDel(ctx, s.runningKey(), r.Job)
	}
	if _, err := p.Exec(ctx); err != nil {
		s.opts.Log.Warn("record job run", "job", r.Job, "outcome", r.Outcome, "err", err)
	}
}

// History returns the newest n runs of job, newest first.
func (s *Scheduler) History(ctx context.Context, job string, n int64) ([]Run, error) {
	raw, err := s.rdb.LRange(ctx, s.runsKey(job), 0, n-1).Result()
	if err != nil {
		return nil, fmt.Errorf("read history of job %s: %w", job, err)
	}
	out := make([]Run, 0, len(raw))
	for _, r := range raw {
		var x run
		if json.Unmarshal([]byte(r), &x) == nil {
			x.Job = job
			out = append(out, x)
		}
	}
	return out, nil
}

// SetPaused pauses or resumes job: a paused job's occurrences are skipped
// (and recorded as such in the log and metrics) until it is resumed; it
// still runs by hand. It is kept in Redis, so every replica agrees.
func (s *Scheduler) SetPaused(ctx context.Context, job string, paused bool) error {
	if _, ok := s.entry(job); !ok {
		return ErrNoJob
	}
	var err error
	if paused {
		err = s.rdb.SAdd(ctx, s.pausedKey(), job).Err()
	} else {
		err = s.rdb.SRem(ctx, s.pausedKey(), job).Err()
	}
	if err != nil {
		return fmt.Errorf("pause job %s: %w", job, err)
	}
	return nil
}

// Status is what `jobs list` shows of a job.
type Status struct {
	Name, Summary, Schedule, Zone string
	Next                          time.Time
	Paused                        bool
	Last                          *Run
}

// List says, for every job in registration order, its schedule, next
// occurrence, whether it is paused and its last run; in two round trips
// whatever the number of jobs.
func (s *Scheduler) List(ctx context.Context) ([]Status, error) {
	entries := s.entries()
	p := s.rdb.Pipeline()
	paused := p.SMembers(ctx, s.pausedKey())
	lasts := make([]*redis.StringSliceCmd, len(entries))
	for i, e := range entries {
		lasts[i] = p.LRange(ctx, s.runsKey(e.job.Name), 0, 0)
	}
	if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	isPaused := map[string]bool{}
	for _, n := range paused.Val() {
		isPaused[n] = true
	}
	out := make([]Status, 0, len(entries))
	for i, e := range entries {
		st := Status{Name: e.job.Name, Summary: e.job.Summary, Schedule: e.job.Schedule, Zone: e.loc.String(), Paused: isPaused[e.job.Name]}
		if next, ok, err := s.loop.Pending(ctx, StepKind, e.job.Name); err == nil && ok {
			st.Next = next
		}
		if v := lasts[i].Val(); len(v) > 0 {
			var r run
			if json.Unmarshal([]byte(v[0]), &r) == nil {
				r.Job = e.job.Name
				st.Last = &r
			}
		}
		out = append(out, st)
	}
	return out, nil
}
