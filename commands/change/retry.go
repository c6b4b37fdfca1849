package change

import (
	"context"
	"fmt"
	"time"
)

// The waits between attempts of a write the desk must not lose: doubling
// from the first to the most, like the step loop's retries.
const (
	retryFirst = 250 * time.Millisecond
	retryMost  = 5 * time.Second
)

// persist runs write until it succeeds, retrying with doubling waits while
// the state store fails, for at most limit or until ctx ends. It is for
// the writes whose loss would leave a change wrong (a run's outcome), not
// for what a person is waiting on.
func (s *Service) persist(ctx context.Context, what string, limit time.Duration, write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	wait := retryFirst
	for attempt := 1; ; attempt++ {
		err := write(ctx)
		if err == nil {
			if attempt > 1 {
				s.log.Info(what+": the state store answers again", "attempts", attempt)
			}
			return nil
		}
		s.log.Warn(what+": the state store failed; retrying", "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		case <-t.C:
		}
		wait = min(2*wait, retryMost)
	}
}
