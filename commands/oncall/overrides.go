package oncall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Override puts someone on call for a schedule for a while, over the
// rotation. Where overrides overlap, the newest wins.
type Override struct {
	ID       string    `json:"id"` // "OVR-12"
	Seq      int64     `json:"seq"`
	Schedule string    `json:"schedule"`
	User     string    `json:"user"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	By       string    `json:"by"`
	Created  time.Time `json:"created"`
}

// overlaps reports whether o and p share any moment.
func (o Override) overlaps(p Override) bool { return o.Start.Before(p.End) && p.Start.Before(o.End) }

// overrideStore keeps overrides in one Redis hash and caches them in
// process: every write bumps a version counter in the same transaction,
// so a reader pays one GET to learn its copy is current, and all replicas
// see every write.
type overrideStore struct {
	rdb                      redis.UniversalClient
	hash, ends, version, seq string
	mu                       sync.Mutex
	cachedVer                int64
	cached                   map[string][]Override // by schedule, sorted by start; never mutated
	pruneAfter               time.Duration
}

func newOverrideStore(rdb redis.UniversalClient, key func(...string) string) *overrideStore {
	return &overrideStore{rdb: rdb, hash: key("{oncall}", "overrides"), ends: key("{oncall}", "overrides", "ends"), version: key("{oncall}", "overrides", "version"),
		seq: key("{oncall}", "overrides", "seq"), cachedVer: -1, pruneAfter: 24 * time.Hour}
}

// all returns every stored override by schedule. The result is shared:
// callers must not modify it.
func (s *overrideStore) all(ctx context.Context) (map[string][]Override, error) {
	v, err := s.rdb.Get(ctx, s.version).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read overrides version: %w", err)
	}
	s.mu.Lock()
	if v == s.cachedVer {
		m := s.cached
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	var hall *redis.MapStringStringCmd
	var ver *redis.StringCmd
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		hall = p.HGetAll(ctx, s.hash)
		ver = p.Get(ctx, s.version)
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read overrides: %w", err)
	}
	v, _ = ver.Int64()
	m := map[string][]Override{}
	for _, raw := range hall.Val() {
		var o Override
		if json.Unmarshal([]byte(raw), &o) != nil {
			continue
		}
		m[o.Schedule] = append(m[o.Schedule], o)
	}
	for _, l := range m {
		sort.Slice(l, func(i, j int) bool {
			if !l[i].Start.Equal(l[j].Start) {
				return l[i].Start.Before(l[j].Start)
			}
			return l[i].Seq < l[j].Seq
		})
	}
	s.mu.Lock()
	if v >= s.cachedVer {
		s.cachedVer, s.cached = v, m
	}
	s.mu.Unlock()
	return m, nil
}

// addScript stores an override, indexes its end, drops overrides that
// ended before ARGV[4] and bumps the version, all at once.
// KEYS hash, ends, version; ARGV id, json, end ms, prune-before ms.
var addScript = redis.NewScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
for _, id in ipairs(stale) do redis.call('HDEL', KEYS[1], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
return redis.call('INCR', KEYS[3])`)

// add stores o under a new id, dropping overrides that ended long ago:
// two round trips (the id, then one script).
func (s *overrideStore) add(ctx context.Context, o Override, now time.Time) (Override, error) {
	seq, err := s.rdb.Incr(ctx, s.seq).Result()
	if err != nil {
		return o, fmt.Errorf("number the override: %w", err)
	}
	o.Seq, o.ID = seq, "OVR-"+strconv.FormatInt(seq, 10)
	raw, err := json.Marshal(o)
	if err != nil {
		return o, fmt.Errorf("encode override: %w", err)
	}
	keys := []string{s.hash, s.ends, s.version}
	if err := addScript.Run(ctx, s.rdb, keys, o.ID, raw, o.End.UnixMilli(), now.Add(-s.pruneAfter).UnixMilli()).Err(); err != nil {
		return o, fmt.Errorf("store override: %w", err)
	}
	return o, nil
}

var removeScript = redis.NewScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[2])
return raw`)

// remove deletes the override id; ok is false when there is none.
func (s *overrideStore) remove(ctx context.Context, id string) (Override, bool, error) {
	raw, err := removeScript.Run(ctx, s.rdb, []string{s.hash, s.version, s.ends}, id).Text()
	if errors.Is(err, redis.Nil) {
		return Override{}, false, nil
	}
	if err != nil {
		return Override{}, false, fmt.Errorf("remove override %s: %w", id, err)
	}
	var o Override
	_ = json.Unmarshal([]byte(raw), &o)
	return o, true, nil
}
