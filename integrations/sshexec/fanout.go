package sshexec

import (
	"context"
	"fmt"
	"time"
)

// FanoutOptions shape a RunMany.
type FanoutOptions struct {
	// Concurrency caps hosts running at once; 0 means Config.Concurrency.
	Concurrency int
	// BatchSize splits the hosts into rolling batches run one after the
	// other; the failure thresholds are checked between batches. 0 means
	// one batch of all hosts.
	BatchSize int
	// StopAfterFailures stops the run before the next batch once at least
	// this many hosts have failed; 0 disables the check.
	StopAfterFailures int
	// StopAboveFraction stops the run before the next batch once the
	// failed share of hosts run so far exceeds it (0.25: more than a
	// quarter); 0 disables the check.
	StopAboveFraction float64
	// Progress, if set, is called after each host that ran, one call at a
	// time, from RunMany's goroutine: done hosts of total, failed of them.
	// Skipped hosts are reported only in the FanoutResult.
	Progress func(done, total, failed int, r Result)
}

// FanoutResult is the outcome of a RunMany.
type FanoutResult struct {
	// Results has one entry per target, in the order given.
	Results []Result
	// Succeeded + Failed + Skipped == len(Results).
	Succeeded, Failed, Skipped int
	// Stopped is set when a threshold or cancellation skipped hosts;
	// StopReason says which.
	Stopped    bool
	StopReason string
	Duration   time.Duration
}

// RunMany runs cmd on every target, at most opts.Concurrency at once, in
// rolling batches of opts.BatchSize. An unreachable host fails only itself.
// When a failure threshold is reached, or ctx is cancelled, the hosts not
// yet started are reported as skipped (ErrSkipped).
func (e *Executor) RunMany(ctx context.Context, targets []Target, cmd Command, opts FanoutOptions) FanoutResult {
	start := time.Now()
	n := len(targets)
	res := FanoutResult{Results: make([]Result, n)}
	batch := opts.BatchSize
	if batch <= 0 || batch > n {
		batch = n
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = e.cfg.Concurrency
	}
	done := 0
	for first := 0; first < n; first += batch {
		if reason := stopReason(opts, done, res.Failed); reason != "" {
			res.skipFrom(first, targets, reason)
			break
		}
		if ctx.Err() != nil {
			res.skipFrom(first, targets, "cancelled: "+ctx.Err().Error())
			break
		}
		last := min(first+batch, n)
		for it := range e.runBatch(ctx, targets[first:last], first, cmd, min(workers, last-first)) {
			res.Results[it.index] = it.result
			switch {
			case it.skipped:
				res.Skipped++
				res.Stopped = true
				res.StopReason = "cancelled: " + ctx.Err().Error()
				continue
			case it.result.Err != nil:
				res.Failed++
			default:
				res.Succeeded++
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, n, res.Failed, it.result)
			}
		}
	}
	res.Duration = time.Since(start)
	return res
}

type fanoutItem struct {
	index   int
	result  Result
	skipped bool
}

// runBatch runs targets (whose first index in the whole run is offset) on
// workers goroutines and streams their results; the channel closes when
// all are in.
func (e *Executor) runBatch(ctx context.Context, targets []Target, offset int, cmd Command, workers int) <-chan fanoutItem {
	indexes := make(chan int)
	out := make(chan fanoutItem)
	go func() {
		defer close(indexes)
		for i := range targets {
			indexes <- i
		}
	}()
	finished := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { finished <- struct{}{} }()
			for i := range indexes {
				if err := ctx.Err(); err != nil {
					out <- fanoutItem{index: offset + i, result: skippedResult(targets[i], "cancelled: "+err.Error()), skipped: true}
					continue
				}
				out <- fanoutItem{index: offset + i, result: e.Run(ctx, targets[i], cmd)}
			}
		}()
	}
	go func() {
		for w := 0; w < workers; w++ {
			<-finished
		}
		close(out)
	}()
	return out
}

func stopReason(opts FanoutOptions, done, failed int) string {
	if opts.StopAfterFailures > 0 && failed >= opts.StopAfterFailures {
		return fmt.Sprintf("%d hosts failed (stop after %d)", failed, opts.StopAfterFailures)
	}
	if opts.StopAboveFraction > 0 && done > 0 && float64(failed)/float64(done) > opts.StopAboveFraction {
		return fmt.Sprintf("%d of %d hosts failed (more than %.0f%%)", failed, done, opts.StopAboveFraction*100)
	}
	return ""
}

func (res *FanoutResult) skipFrom(first int, targets []Target, reason string) {
	res.Stopped, res.StopReason = true, reason
	for i := first; i < len(targets); i++ {
		res.Results[i] = skippedResult(targets[i], reason)
		res.Skipped++
	}
}

func skippedResult(t Target, reason string) Result {
	name := t.Name
	if name == "" {
		name = t.Address
	}
	return Result{Target: t, ExitStatus: -1, Err: fmt.Errorf("%s: %w: %s", name, ErrSkipped, reason)}
}
