package testkit

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// RoundTrips is a go-redis hook (client.AddHook) counting what a client
// sends to Redis: one per command, one per pipeline or transaction.
type RoundTrips struct{ n atomic.Int64 }

var _ redis.Hook = (*RoundTrips)(nil)

// Count is the number of round trips since the start or the last Reset.
func (r *RoundTrips) Count() int64 { return r.n.Load() }

// Reset starts the count again from zero.
func (r *RoundTrips) Reset() { r.n.Store(0) }

// DialHook leaves dialing alone.
func (r *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts one command.
func (r *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n.Add(1); return next(ctx, cmd) }
}

// ProcessPipelineHook counts a pipeline or transaction as one.
func (r *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n.Add(1); return next(ctx, cmds) }
}
