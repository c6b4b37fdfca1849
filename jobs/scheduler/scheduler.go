// Package scheduler is the one mechanism for everything that recurs: cron
// schedules (robfig/cron v3: five fields or descriptors, each in its own
// zone) whose occurrences become steps of the step loop (jobs/loop), so
// each runs once whatever the number of replicas. A run is bounded by its
// timeout, recovered when it panics, recorded in Redis (start, end,
// outcome, error, trigger) and counted; jobs can be paused, resumed and
// run by hand.
//
// Each job has one step, "job:<name>", due at its next occurrence. When
// the loop claims it, the handler first makes the next occurrence due,
// then marks the occurrence started (SET NX, so an occurrence retried
// after a replica died mid-run is recorded interrupted rather than run
// twice) and runs the job beside the loop, so a long job holds up no
// other step.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"

	"opsbot/bot"
	"opsbot/integrations/redisstore"
	"opsbot/jobs/loop"
)

var _ Loop = (*loop.Loop)(nil)

// StepKind is the loop step kind of job occurrences.
const StepKind = "job"

// DefaultTimeout bounds a run whose job sets none.
const DefaultTimeout = 10 * time.Minute

// Loop is what the scheduler needs of the step loop; *loop.Loop is one.
type Loop interface {
	Handle(kind string, h loop.Handler) error
	Schedule(ctx context.Context, kind, id string, due time.Time, payload string) error
	Pending(ctx context.Context, kind, id string) (time.Time, bool, error)
}

// Options are the scheduler's collaborators besides the store and loop.
type Options struct {
	// Clock tells the time; nil means time.Now.
	Clock   func() time.Time
	Log     *slog.Logger
	Metrics prometheus.Registerer
	Panics  *bot.Panics
	// History is how many runs are kept per job (default 100).
	History int64
}

// Scheduler runs jobs on their schedules.
type Scheduler struct {
	loop  Loop
	rdb   redis.UniversalClient
	key   func(parts ...string) string
	opts  Options
	m     *metrics
	runs  sync.WaitGroup
	mu    sync.RWMutex
	jobs  map[string]*entry
	order []string
}

// entry is a job with its parsed schedule.
type entry struct {
	job   bot.Job
	sched cron.Schedule
	loc   *time.Location
}

// New returns a scheduler keeping its records in store and its
// occurrences in loop.
func New(store *redisstore.Store, l Loop, o Options) *Scheduler {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.History <= 0 {
		o.History = 100
	}
	s := &Scheduler{loop: l, rdb: store.Client(), key: store.Key, opts: o, m: newMetrics(o.Metrics), jobs: map[string]*entry{}}
	return s
}

// Parse checks a schedule and zone as Add will, for config validation:
// the error says what is wrong and what to write.
func Parse(schedule, zone string) (cron.Schedule, *time.Location, error) {
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return nil, nil, fmt.Errorf("zone %q is not a known IANA time zone (e.g. Europe/Berlin, UTC)", zone)
		}
		loc = l
	}
	sched, err := cron.ParseStandard(schedule)
	if err != nil {
		return nil, nil, fmt.Errorf("schedule %q: %v; write five fields (minute hour day month weekday, e.g. \"0 8 * * 1-5\") or @daily, @hourly, @every 15m", schedule, err)
	}
	return sched, loc, nil
}

// Add registers a job. Names are unique; the schedule must parse.
func (s *Scheduler) Add(j bot.Job) error {
	if j.Name == "" || j.Run == nil {
		return errors.New("add job: a job needs a name and a Run")
	}
	sched, loc, err := Parse(j.Schedule, j.Zone)
	if err != nil {
		return fmt.Errorf("job %s: %w", j.Name, err)
	}
	switch j.CatchUp {
	case "":
		j.CatchUp = "latest"
	case "latest", "none":
	default:
		return fmt.Errorf("job %s: catch_up %q: use latest or none", j.Name, j.CatchUp)
	}
	if j.Timeout <= 0 {
		j.Timeout = DefaultTimeout
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name]; dup {
		return fmt.Errorf("job %s is registered twice", j.Name)
	}
	if len(s.jobs) == 0 {
		if err := s.loop.Handle(StepKind, s.step); err != nil {
			return err
		}
	}
	s.jobs[j.Name] = &entry{job: j, sched: sched, loc: loc}
	s.order = append(s.order, j.Name)
	return nil
}

// Start makes each job's next occurrence due unless one already is (set
// by an earlier start, or by another replica), so a restart neither
// skips nor doubles an occurrence: one that fell due while every replica
// was down is still pending and runs now, caught up as its job says.
func (s *Scheduler) Start(ctx context.Context) error {
	for _, e := range s.entries() {
		_, ok, err := s.loop.Pending(ctx, StepKind, e.job.Name)
		if err != nil {
			return fmt.Errorf("start job %s: %w", e.job.Name, err)
		}
		if ok {
			continue
		}
		next := e.next(s.opts.Clock())
		if err := s.loop.Schedule(ctx, StepKind, e.job.Name, next, strconv.FormatInt(next.UnixMilli(), 10)); err != nil {
			return fmt.Errorf("start job %s: %w", e.job.Name, err)
		}
	}
	return nil
}

// Wait blocks until the runs in flight have finished (each bounded by its
// timeout); the app calls it at a stop.
func (s *Scheduler) Wait() { s.runs.Wait() }

func (e *entry) next(after time.Time) time.Time { return e.sched.Next(after.In(e.loc)) }

func (s *Scheduler) entries() []*entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*entry, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, s.jobs[n])
	}
	return out
}

func (s *Scheduler) entry(name string) (*entry, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.jobs[name]
	return e, ok
}

// step runs one occurrence of job id, claimed by the loop. It schedules
// the next occurrence first, so a run that fails, hangs or dies never
// blocks the next one.
func (s *Scheduler) step(ctx context.Context, name, payload string) error {
	e, ok := s.entry(name)
	if !ok {
		return fmt.Errorf("no job %q on this replica", name)
	}
	dueMs, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		return fmt.Errorf("job %s: bad occurrence %q", name, payload)
	}
	due := time.UnixMilli(dueMs).In(e.loc)
	now := s.opts.Clock()
	// Occurrences after due that are already past were missed while every
	// replica was down.
	missed := 0
	next := e.next(due)
	for !next.After(now) && missed < 10_000 {
		missed++
		next = e.next(next)
	}
	if err := s.loop.Schedule(ctx, StepKind, name, next, strconv.FormatInt(next.UnixMilli(), 10)); err != nil {
		return fmt.Errorf("schedule the next run of %s: %w", name, err)
	}
	if missed > 0 && e.job.CatchUp == "none" {
		s.record(ctx, run{Job: name, Due: due, Start: now, End: now, Outcome: outcomeMissed,
			Error: fmt.Sprintf("missed while opsbot was down (%d occurrences); catch_up: none", missed+1)}, false)
		s.m.runs.WithLabelValues(name, outcomeMissed).Inc()
		return nil
	}
	if missed > 0 {
		due = e.prev(next) // the latest missed occurrence stands in for all
	}
	started, err := s.begin(ctx, e, due, "")
	if err != nil {
		return err // retried by the loop; the next occurrence is due already
	}
	if !started {
		return nil
	}
	s.start(e, bot.JobRun{Due: due, Missed: missed})
	return nil
}

// prev is the occurrence before next: the latest one not after it.
func (e *entry) prev(next time.Time) time.Time {
	// Cron schedules have no Prev; step back by doubling windows until
	// an occurrence lies between, then walk forward.
	for span := time.Minute; span < 400*24*time.Hour; span *= 2 {
		t := e.next(next.Add(-span))
		if t.Before(next) {
			for {
				n := e.next(t)
				if !n.Before(next) {
					return t
				}
				t = n
			}
		}
	}
	return next
}

// RunNow runs job name at once on behalf of user, beside its schedule.
func (s *Scheduler) RunNow(ctx context.Context, name, user string) error {
	e, ok := s.entry(name)
	if !ok {
		return ErrNoJob
	}
	now := s.opts.Clock()
	ok, err := s.begin(ctx, e, now, user)
	if err != nil {
		return err
	}
	if !ok {
		return ErrRunning
	}
	s.start(e, bot.JobRun{Due: now, By: user})
	return nil
}

// ErrRunning is RunNow's error while the job's previous run goes on.
var ErrRunning = errors.New("the job is running already")

// ErrNoJob is RunNow's error for a name no job has.
var ErrNoJob = errors.New("no such job")

// start runs the occurrence beside the loop, bounded by the job's timeout
// and recovered, and records its end.
func (s *Scheduler) start(e *entry, jr bot.JobRun) {
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		begin := s.opts.Clock()
		ctx, cancel := context.WithTimeout(context.Background(), e.job.Timeout)
		defer cancel()
		err := s.safeRun(ctx, e.job, jr)
		end := s.opts.Clock()
		r := run{Job: e.job.Name, Due: jr.Due, By: jr.By, Missed: jr.Missed, Start: begin, End: end, Outcome: outcomeOK}
		switch {
		case err != nil && ctx.Err() == context.DeadlineExceeded:
			r.Outcome, r.Error = outcomeTimeout, fmt.Sprintf("timed out after %s: %v", e.job.Timeout, err)
		case err != nil:
			r.Outcome, r.Error = outcomeFailed, err.Error()
		}
		if err != nil {
			s.opts.Log.Warn("job failed", "job", e.job.Name, "due", jr.Due, "err", err)
		}
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		s.record(wctx, r, true)
		s.m.observe(r)
	}()
}

func (s *Scheduler) safeRun(ctx context.Context, j bot.Job, jr bot.JobRun) (err error) {
	defer s.opts.Panics.Recover("job."+j.Name, func(perr error) { err = perr })
	return j.Run(ctx, jr)
}
