package change

import (
	"context"
	"fmt"
	"time"

	"opsbot/bot/backoff"
)

// persistDelays are the waits between attempts of a write the desk must
// not lose: doubling from 250 ms to 5 s, like the step loop's retries.
var persistDelays = backoff.Policy{First: 250 * time.Millisecond, Max: 5 * time.Second}

// persist runs write until it succeeds, retrying with doubling waits while
// the state store fails, for at most limit or until ctx ends. It is for
// the writes whose loss would leave a change wrong (a run's outcome), not
// for what a person is waiting on.
func (s *Service) persist(ctx context.Context, what string, limit time.Duration, write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	attempt := 0
	err := backoff.Retry(ctx, persistDelays, 0, nil, func(ctx context.Context) (bool, error) {
		attempt++
		err := write(ctx)
		if err != nil {
			s.log.Warn(what+": the state store failed; retrying", "attempt", attempt, "retry_in", persistDelays.Delay(attempt), "err", err)
		}
		return true, err
	})
	if err != nil {
		return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
	}
	if attempt > 1 {
		s.log.Info(what+": the state store answers again", "attempts", attempt)
	}
	return nil
}
