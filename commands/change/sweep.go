package change

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"opsbot/bot"
)

// SweepJob is the name of the change sweep among the scheduled jobs.
const SweepJob = "change-sweep"

// Jobs offers the change sweep to the scheduler: every minute it marks
// expired requests, fails runs a stop of opsbot left "running", and starts
// (or expires) approved changes whose run never started. The scheduler
// runs each occurrence once across replicas.
func (s *Service) Jobs() []bot.Job {
	return []bot.Job{{Name: SweepJob, Summary: "expire old requests, fail runs a stop interrupted, start approved changes that never started",
		Schedule: "@every 1m", Timeout: 5 * time.Minute, Run: func(ctx context.Context, _ bot.JobRun) error { return s.sweep(ctx, s.sweeps()) }}}
}

// sweep is one part of the sweep, with what its log lines say.
type sweep struct {
	what, done string
	level      slog.Level // of the line saying what was done
	f          func(context.Context) (int, error)
}

func (s *Service) sweeps() []sweep {
	return []sweep{
		{"sweep expired changes", "expired change requests marked", slog.LevelInfo, s.SweepExpired},
		{"sweep interrupted changes", "changes interrupted by a stop of opsbot marked failed", slog.LevelWarn, s.SweepInterrupted},
		{"sweep approved changes whose run never started", "approved changes whose run never started resumed or expired", slog.LevelWarn, s.SweepStalled},
	}
}

// sweep runs every part, logging what each did; it fails with every part
// that failed (a stop is not a failure).
func (s *Service) sweep(ctx context.Context, sweeps []sweep) error {
	var errs []error
	for _, sw := range sweeps {
		n, err := sw.f(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil // stopping
		case err != nil:
			errs = append(errs, errors.New(sw.what+": "+err.Error()))
		case n > 0:
			s.log.Log(ctx, sw.level, sw.done, "count", n)
		}
	}
	return errors.Join(errs...)
}
