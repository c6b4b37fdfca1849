// Package redisstore holds opsbot's connection to Redis: one go-redis
// UniversalClient (standalone, cluster or Sentinel), key naming under a
// prefix, once-only markers for de-duplication, and distributed locks.
package redisstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
)

// Store is opsbot's handle on Redis.
type Store struct {
	client redis.UniversalClient
	prefix string
	locker *redislock.Client
}

// Open builds a client from cfg. It does not connect; call Ping to check.
func Open(cfg Config) (*Store, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("redis config: %w", errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("redis config: addrs: at least one address is needed")
	}
	opts := &redis.UniversalOptions{
		Addrs:       cfg.Addrs,
		MasterName:  cfg.MasterName,
		Username:    cfg.Username,
		Password:    cfg.Password,
		DB:          cfg.DB,
		DialTimeout: cfg.DialTimeout,
		// With Redis down a command should say so in well under a second,
		// not after go-redis' defaults (5 dials per connection, 3 retries
		// per command, each with backoff): one dial per attempt and one
		// retry, which is what a connection broken by a restart needs.
		DialerRetries:   1,
		MaxRetries:      1,
		MaxRetryBackoff: 100 * time.Millisecond,
	}
	if cfg.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return New(redis.NewUniversalClient(opts), cfg.KeyPrefix), nil
}

// New wraps an existing client, for tests and the embedded console Redis.
func New(client redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	return &Store{client: client, prefix: prefix, locker: redislock.New(client)}
}

// Client is the underlying go-redis client.
func (s *Store) Client() redis.UniversalClient { return s.client }

// Key joins parts under the prefix: Key("incident", "42") is
// "opsbot:incident:42".
func (s *Store) Key(parts ...string) string {
	return s.prefix + ":" + strings.Join(parts, ":")
}

// Prefix is the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Once marks key as seen for ttl and reports whether this call was the
// first to do so. Replicas use it to handle a Slack envelope once.
func (s *Store) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.client.SetNX(ctx, s.Key("once", key), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("mark %s as handled: %w", key, err)
	}
	return ok, nil
}

// ErrLocked is returned by Lock when another holder has the lock.
var ErrLocked = errors.New("lock is held elsewhere")

// Lock is a held distributed lock.
type Lock struct{ l *redislock.Lock }

// Release gives the lock up.
func (l *Lock) Release(ctx context.Context) error {
	if err := l.l.Release(ctx); err != nil && !errors.Is(err, redislock.ErrLockNotHeld) {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}

// Refresh extends the lock's life.
func (l *Lock) Refresh(ctx context.Context, ttl time.Duration) error {
	return l.l.Refresh(ctx, ttl, nil)
}

// Lock takes the named lock for ttl without waiting; ErrLocked means
// someone else has it.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (*Lock, error) {
	l, err := s.locker.Obtain(ctx, s.Key("lock", name), ttl, nil)
	if errors.Is(err, redislock.ErrNotObtained) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("take lock %s: %w", name, err)
	}
	return &Lock{l: l}, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }
