package runner

import (
	"fmt"

	"opsbot/bot/blocks"
)

// Policy is how a rollout goes, inlined in the config sections of what
// runs on hosts (changes, service): hosts at once, rolling batches, and when
// to stop. The zero value runs every host in one batch at the executor's
// concurrency and never stops early.
type Policy struct {
	// Concurrency caps hosts running at once; 0 means ssh.concurrency.
	Concurrency int `yaml:"concurrency"`
	// BatchSize splits the hosts into batches run one after the other;
	// the thresholds (and a Job's gate) are checked between batches. 0
	// means one batch.
	BatchSize int `yaml:"batch_size"`
	// StopAfterFailures stops before the next batch once this many hosts
	// have failed; 0 turns it off.
	StopAfterFailures int `yaml:"stop_after_failures"`
	// StopAboveFraction stops before the next batch once the failed share
	// of the hosts run so far exceeds it (0.25: more than a quarter); 0
	// turns it off.
	StopAboveFraction float64 `yaml:"stop_above_fraction"`
}

// Validate says what in p cannot work, as "<key>: <problem>" errors under
// the keys config sections use for it.
func (p Policy) Validate() []error {
	var errs []error
	if p.Concurrency < 0 || p.BatchSize < 0 || p.StopAfterFailures < 0 {
		errs = append(errs, fmt.Errorf("concurrency, batch_size, stop_after_failures: may not be negative"))
	}
	if p.StopAboveFraction < 0 || p.StopAboveFraction >= 1 {
		errs = append(errs, fmt.Errorf("stop_above_fraction: %g: use a share of hosts from 0 (off) to below 1, like 0.25", p.StopAboveFraction))
	}
	return errs
}

// stopReason says why a rollout stops before its next batch, or "".
func (p Policy) stopReason(done, failed int) string {
	if p.StopAfterFailures > 0 && failed >= p.StopAfterFailures {
		return fmt.Sprintf("%s failed (stop after %d)", blocks.Count(failed, "host"), p.StopAfterFailures)
	}
	if p.StopAboveFraction > 0 && done > 0 && float64(failed)/float64(done) > p.StopAboveFraction {
		return fmt.Sprintf("%d of %s failed (more than %.0f%%)", failed, blocks.Count(done, "host"), p.StopAboveFraction*100)
	}
	return ""
}
