package asset

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"opsbot/integrations/redisstore"
)

// keptChecks is how many check results are kept per asset.
const keptChecks = 20

// checks keeps each asset's last check results in Redis: a sorted set per
// asset by time, the newest keptChecks.
type checks struct {
	rdb redis.UniversalClient
	key func(parts ...string) string
}

func newChecks(s *redisstore.Store) *checks {
	return &checks{rdb: s.Client(), key: func(parts ...string) string { return s.Key(append([]string{"asset"}, parts...)...) }}
}

func (c *checks) assetKey(name string) string { return c.key("checks", name) }

// save records the results, one round trip.
func (c *checks) save(ctx context.Context, results []CheckResult) error {
	_, err := c.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for _, r := range results {
			doc, err := json.Marshal(r)
			if err != nil {
				return err
			}
			k := c.assetKey(r.Asset)
			pl.ZAdd(ctx, k, redis.Z{Score: float64(r.At.UnixMilli()), Member: doc})
			pl.ZRemRangeByRank(ctx, k, 0, -keptChecks-1)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save check results: %w", err)
	}
	return nil
}

// latest returns up to n of name's results, newest first.
func (c *checks) latest(ctx context.Context, name string, n int) ([]CheckResult, error) {
	docs, err := c.rdb.ZRevRange(ctx, c.assetKey(name), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read the checks of %s: %w", name, err)
	}
	out := make([]CheckResult, 0, len(docs))
	for _, d := range docs {
		var r CheckResult
		if json.Unmarshal([]byte(d), &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// lastOf returns the newest result of each name that has one: one round trip.
func (c *checks) lastOf(ctx context.Context, names []string) (map[string]CheckResult, error) {
	cmds := make([]*redis.StringSliceCmd, len(names))
	if _, err := c.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = pl.ZRevRange(ctx, c.assetKey(n), 0, 0)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read the last checks: %w", err)
	}
	out := map[string]CheckResult{}
	for i, cmd := range cmds {
		if v := cmd.Val(); len(v) == 1 {
			var r CheckResult
			if json.Unmarshal([]byte(v[0]), &r) == nil {
				out[names[i]] = r
			}
		}
	}
	return out, nil
}

var _ = time.Second
