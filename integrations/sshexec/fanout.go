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

// RunMany runs cmd on every target, at most opts.Concurrency at once. An
// unreachable host fails only itself. When ctx is cancelled, the hosts not
// yet started are reported as skipped (ErrSkipped). Rolling batches and
// stop thresholds are the caller's rollout policy (commands/runner), run
// one RunMany per batch.
func (e *Executor) RunMany(ctx context.Context, targets []Target, cmd Command, opts FanoutOptions) FanoutResult {
	start := time.Now()
	n := len(targets)
	res := FanoutResult{Results: make([]Result, n)}
	if n == 0 {
		return res
	}
	if ctx.Err() != nil {
		res.skipFrom(0, targets, "cancelled: "+ctx.Err().Error())
		res.Duration = time.Since(start)
		return res
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = e.cfg.Concurrency
	}
	done := 0
	for it := range e.runBatch(ctx, targets, 0, cmd, min(workers, n)) {
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
