package inventory

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// Names returns every asset name and every group, for suggestions.
func (x *Index) Names(ctx context.Context) (names, groups []string, err error) {
	err = x.onCurrent(ctx, func(gen int64) error {
		var n, g *redis.StringSliceCmd
		if err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
			n = pl.SMembers(ctx, x.gkey(gen, "all"))
			g = pl.SMembers(ctx, x.gkey(gen, "v", "group"))
		}); err != nil {
			return err
		}
		names, groups = n.Val(), g.Val()
		sort.Strings(names)
		sort.Strings(groups)
		return nil
	})
	return names, groups, err
}

// Due is a warranty or end of life that falls on Date.
type Due struct {
	Name string
	// Kind is warranty_end or end_of_life.
	Kind string
	Date time.Time
}

// DueBetween lists the warranty ends and ends of life from from to to,
// soonest first, and counts those before from.
func (x *Index) DueBetween(ctx context.Context, from, to time.Time) (due []Due, past int, err error) {
	err = x.onCurrent(ctx, func(gen int64) error {
		due, past = due[:0], 0
		kinds := []string{"warranty_end", "end_of_life"}
		ranges := map[string]*redis.ZSliceCmd{}
		counts := map[string]*redis.IntCmd{}
		if err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
			for _, k := range kinds {
				key := x.gkey(gen, "z", k)
				ranges[k] = pl.ZRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Min: fmt.Sprint(from.Unix()), Max: fmt.Sprint(to.Unix())})
				counts[k] = pl.ZCount(ctx, key, "-inf", "("+fmt.Sprint(from.Unix()))
			}
		}); err != nil {
			return err
		}
		for _, k := range kinds {
			for _, z := range ranges[k].Val() {
				due = append(due, Due{Name: z.Member.(string), Kind: k, Date: time.Unix(int64(z.Score), 0).UTC()})
			}
			past += int(counts[k].Val())
		}
		sort.SliceStable(due, func(i, j int) bool {
			if !due[i].Date.Equal(due[j].Date) {
				return due[i].Date.Before(due[j].Date)
			}
			return due[i].Name < due[j].Name
		})
		return nil
	})
	return due, past, err
}

// Values lists the values key has on some asset, sorted, for
// suggestions ("env is one of prod, staging").
func (x *Index) Values(ctx context.Context, key string) ([]string, error) {
	var out []string
	err := x.onCurrent(ctx, func(gen int64) error {
		var c *redis.StringSliceCmd
		if err := x.tx(ctx, gen, func(pl redis.Pipeliner) { c = pl.SMembers(ctx, x.valuesKey(gen, key)) }); err != nil {
			return err
		}
		out = c.Val()
		sort.Strings(out)
		return nil
	})
	return out, err
}
