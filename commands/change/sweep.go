package change

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"opsbot/integrations/redisstore"
)

// sweepEvery is how often Run sweeps.
const sweepEvery = time.Minute

// Run sweeps at once and then every minute until ctx ends: it marks
// expired requests, fails runs a stop of opsbot left "running", and starts
// (or expires) approved changes whose run never started. A Redis lock
// makes one replica do each sweep. The app calls Wait once it returns.
func (s *Service) Run(ctx context.Context) error {
	s.sweepLoop(ctx, sweepEvery, s.sweeps())
	return nil
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

func (s *Service) sweepLoop(ctx context.Context, every time.Duration, sweeps []sweep) {
	s.sweepOnce(ctx, every, sweeps)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweepOnce(ctx, every, sweeps)
		}
	}
}

// sweepOnce runs one sweep under the lock, held for most of the interval
// so that replicas do not sweep right after one another.
func (s *Service) sweepOnce(ctx context.Context, every time.Duration, sweeps []sweep) {
	lock, err := s.d.Store.Lock(ctx, "sweep-changes", every-every/6)
	if errors.Is(err, redisstore.ErrLocked) || ctx.Err() != nil {
		return
	}
	if err != nil {
		s.log.Warn("sweep changes", "err", err)
		return
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	for _, sw := range sweeps {
		n, err := sw.f(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return // stopping: not a failure
		case err != nil:
			s.log.Warn(sw.what, "err", err)
		case n > 0:
			s.log.Log(ctx, sw.level, sw.done, "count", n)
		}
	}
}
