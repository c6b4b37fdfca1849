package inventory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is an asset that does not exist.
var ErrNotFound = errors.New("no such asset")

// errGone is a generation dropped while a read was on it; the read
// starts over on the current one.
var errGone = errors.New("inventory generation replaced during the read")

// readAttempts bounds how often a read starts over.
const readAttempts = 3

// onCurrent runs read on the current generation, starting over when the
// generation went away during it.
func (x *Index) onCurrent(ctx context.Context, read func(gen int64) error) error {
	for range readAttempts {
		gen, err := x.current(ctx)
		if err != nil {
			return err
		}
		if gen == 0 {
			return ErrNotLoaded
		}
		err = read(gen)
		if !errors.Is(err, errGone) {
			return err
		}
	}
	return fmt.Errorf("read the inventory: %w", errGone)
}

// tx runs f in one MULTI/EXEC that also checks generation gen still
// exists: errGone when not.
func (x *Index) tx(ctx context.Context, gen int64, f func(pl redis.Pipeliner)) error {
	var alive *redis.IntCmd
	_, err := x.rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		f(pl)
		alive = pl.Exists(ctx, x.gkey(gen, "meta"))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read the inventory: %w", err)
	}
	if alive.Val() == 0 {
		return errGone
	}
	return nil
}

// Get returns the asset called name: two round trips.
func (x *Index) Get(ctx context.Context, name string) (Asset, error) {
	as, err := x.GetMany(ctx, []string{name})
	if err != nil {
		return Asset{}, err
	}
	if len(as) == 0 {
		return Asset{}, ErrNotFound
	}
	return as[0], nil
}

// GetMany returns the assets of names that exist, in the order given:
// two round trips however many.
func (x *Index) GetMany(ctx context.Context, names []string) ([]Asset, error) {
	var out []Asset
	err := x.onCurrent(ctx, func(gen int64) error {
		out = out[:0]
		cmds := make([]*redis.MapStringStringCmd, len(names))
		if err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
			for i, n := range names {
				cmds[i] = pl.HGetAll(ctx, x.gkey(gen, "a", n))
			}
		}); err != nil {
			return err
		}
		for _, c := range cmds {
			if a, ok := fromHash(c.Val()); ok {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

// Query asks for the assets a selector picks.
type Query struct {
	Selector Selector
	// Offset and Limit page the matches in name order; Limit 0 returns
	// every match.
	Offset, Limit int
	// CountBy are keys (env, role) to count the matches by.
	CountBy []string
	// NamesOnly leaves Assets empty and returns Names, every match's
	// name in order.
	NamesOnly bool
}

// Result is what a Query found.
type Result struct {
	Total  int
	Assets []Asset
	Names  []string
	// Counts are per CountBy key the matches per value; "" counts the
	// matches without one.
	Counts map[string]map[string]int
}

// NoMatchError is a selector that matches nothing; Unknown is set for a
// bare word that is neither an asset nor a group.
type NoMatchError struct {
	Selector string
	Unknown  string
}

func (e *NoMatchError) Error() string {
	if e.Unknown != "" {
		return fmt.Sprintf("no asset or group is called %s", quoteText(e.Unknown))
	}
	return fmt.Sprintf("no asset matches %s", quoteText(e.Selector))
}

// Select runs q: at most four round trips (the generation, the values a
// regular expression or bare word needs, the set algebra, the page).
func (x *Index) Select(ctx context.Context, q Query) (Result, error) {
	var res Result
	err := x.onCurrent(ctx, func(gen int64) error {
		var err error
		res, err = x.selectOn(ctx, gen, q)
		return err
	})
	return res, err
}

// term is a selector term made ready for Redis: the sets whose union it
// is, or a list of names.
type term struct {
	negative bool
	keys     []string
	literal  []string
	isLit    bool
}

func (x *Index) selectOn(ctx context.Context, gen int64, q Query) (Result, error) {
	res := Result{Counts: map[string]map[string]int{}}
	// First the values the regular expressions, bare words and counts need.
	valCmds := map[string]*redis.StringSliceCmd{}
	wordCmds := map[string]*redis.BoolCmd{}
	needs := false
	for _, t := range q.Selector.Terms {
		if t.Op == OpWord || t.Op == OpMatch || t.Op == OpNotMatch {
			needs = true
		}
	}
	if needs || len(q.CountBy) > 0 {
		if err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
			for _, t := range q.Selector.Terms {
				switch {
				case t.Op == OpWord:
					wordCmds[t.Value] = pl.SIsMember(ctx, x.gkey(gen, "all"), t.Value)
				case (t.Op == OpMatch || t.Op == OpNotMatch) && valCmds[t.Key] == nil:
					valCmds[t.Key] = pl.SMembers(ctx, x.valuesKey(gen, t.Key))
				}
			}
			for _, k := range q.CountBy {
				if valCmds[k] == nil {
					valCmds[k] = pl.SMembers(ctx, x.valuesKey(gen, k))
				}
			}
		}); err != nil {
			return res, err
		}
	}
	var terms []term
	for _, t := range q.Selector.Terms {
		tt := term{negative: t.Negative()}
		switch {
		case t.Op == OpWord && wordCmds[t.Value].Val():
			tt.isLit, tt.literal = true, []string{t.Value}
		case t.Op == OpWord:
			tt.keys = []string{x.gkey(gen, "i", "group", t.Value)}
		case t.Key == "name" && (t.Op == OpEqual || t.Op == OpNotEqual):
			tt.isLit, tt.literal = true, []string{t.Value}
		case t.Key == "name":
			tt.isLit = true
			for _, v := range valCmds["name"].Val() {
				if t.Matches(v) {
					tt.literal = append(tt.literal, v)
				}
			}
		case t.Op == OpEqual || t.Op == OpNotEqual:
			tt.keys = []string{x.gkey(gen, "i", indexKey(t.Key), t.Value)}
		default:
			for _, v := range valCmds[t.Key].Val() {
				if t.Matches(v) {
					tt.keys = append(tt.keys, x.gkey(gen, "i", indexKey(t.Key), v))
				}
			}
		}
		if !tt.negative && !tt.isLit && len(tt.keys) == 0 || !tt.negative && tt.isLit && len(tt.literal) == 0 {
			return res, nil // a positive term that nothing can satisfy
		}
		terms = append(terms, tt)
	}
	names, total, counts, err := x.algebra(ctx, gen, terms, q, valCmds)
	if err != nil {
		return res, err
	}
	res.Total, res.Counts = total, counts
	sort.Strings(names)
	if q.NamesOnly {
		res.Names = names
		return res, nil
	}
	page := names
	if q.Limit > 0 {
		lo := min(q.Offset, len(names))
		page = names[lo:min(lo+q.Limit, len(names))]
	}
	if len(page) == 0 {
		return res, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(page))
	if err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
		for i, n := range page {
			cmds[i] = pl.HGetAll(ctx, x.gkey(gen, "a", n))
		}
	}); err != nil {
		return res, err
	}
	for _, c := range cmds {
		if a, ok := fromHash(c.Val()); ok {
			res.Assets = append(res.Assets, a)
		}
	}
	return res, nil
}

// algebra intersects the positive terms (and every name), subtracts the
// negative ones and counts, in one transaction; temporary keys live only
// inside it.
func (x *Index) algebra(ctx context.Context, gen int64, terms []term, q Query, vals map[string]*redis.StringSliceCmd) ([]string, int, map[string]map[string]int, error) {
	all := x.gkey(gen, "all")
	tmp := func() string {
		var b [8]byte
		_, _ = rand.Read(b[:])
		return x.gkey(gen, "tmp", hex.EncodeToString(b[:]))
	}
	// A single-valued key the selector fixes (role=web) needs no counting.
	fixed := map[string]string{}
	for _, t := range q.Selector.Terms {
		if t.Op == OpEqual && t.Key != "group" && t.Key != "name" {
			fixed[t.Key] = t.Value
		}
	}
	var membersCmd *redis.StringSliceCmd
	var cardCmd *redis.IntCmd
	countCmds := map[string]map[string]*redis.IntCmd{}
	needCounts := false
	for _, k := range q.CountBy {
		needCounts = needCounts || fixed[k] == ""
	}
	err := x.tx(ctx, gen, func(pl redis.Pipeliner) {
		var temps []string
		setOf := func(t term) string {
			switch {
			case t.isLit:
				k := tmp()
				temps = append(temps, k)
				members := make([]any, len(t.literal))
				for i, n := range t.literal {
					members[i] = n
				}
				pl.SAdd(ctx, k, members...)
				return k
			case len(t.keys) == 1:
				return t.keys[0]
			default:
				k := tmp()
				temps = append(temps, k)
				pl.SUnionStore(ctx, k, t.keys...)
				return k
			}
		}
		var pos, neg []string
		literal := false
		for _, t := range terms {
			switch {
			case t.negative && (t.isLit && len(t.literal) == 0 || !t.isLit && len(t.keys) == 0):
				// excludes nothing
			case t.negative:
				neg = append(neg, setOf(t))
			default:
				literal = literal || t.isLit
				pos = append(pos, setOf(t))
			}
		}
		// Every name is in every index set; all is needed only to start
		// from (no positive term) or to drop names a literal term made up.
		if len(pos) == 0 || literal {
			pos = append([]string{all}, pos...)
		}
		switch {
		case len(pos) == 1 && len(neg) == 0:
			res := pos[0]
			cardCmd, membersCmd = pl.SCard(ctx, res), pl.SMembers(ctx, res)
			x.countIn(ctx, pl, gen, res, q, fixed, vals, countCmds)
		case len(neg) == 0 && !needCounts:
			// The cheapest: intersect and read at once, nothing stored.
			membersCmd = pl.SInter(ctx, pos...)
		default:
			res := tmp()
			temps = append(temps, res)
			pl.SInterStore(ctx, res, pos...)
			if len(neg) > 0 {
				pl.SDiffStore(ctx, res, append([]string{res}, neg...)...)
			}
			cardCmd, membersCmd = pl.SCard(ctx, res), pl.SMembers(ctx, res)
			x.countIn(ctx, pl, gen, res, q, fixed, vals, countCmds)
		}
		if len(temps) > 0 {
			pl.Unlink(ctx, temps...)
		}
	})
	if err != nil {
		return nil, 0, nil, err
	}
	total := len(membersCmd.Val())
	if cardCmd != nil {
		total = int(cardCmd.Val())
	}
	counts := map[string]map[string]int{}
	for _, k := range q.CountBy {
		byVal := countCmds[k]
		m := map[string]int{}
		if v := fixed[k]; v != "" {
			if total > 0 {
				m[v] = total
			}
			counts[k] = m
			continue
		}
		sum := 0
		for v, c := range byVal {
			if n := int(c.Val()); n > 0 {
				m[v] = n
				sum += n
			}
		}
		if k != "group" && total > sum {
			m[""] = total - sum
		}
		counts[k] = m
	}
	return membersCmd.Val(), total, counts, nil
}

// countIn queues the counts of the matches in res per value of each
// CountBy key the selector does not fix.
func (x *Index) countIn(ctx context.Context, pl redis.Pipeliner, gen int64, res string, q Query, fixed map[string]string,
	vals map[string]*redis.StringSliceCmd, cmds map[string]map[string]*redis.IntCmd) {
	for _, k := range q.CountBy {
		cmds[k] = map[string]*redis.IntCmd{}
		if fixed[k] != "" {
			continue // every match has the value the selector asks for
		}
		for _, v := range vals[k].Val() {
			cmds[k][v] = pl.SInterCard(ctx, 0, res, x.gkey(gen, "i", indexKey(k), v))
		}
	}
}

// valuesKey is the set of key k's values; for name, the set of names.
func (x *Index) valuesKey(gen int64, k string) string {
	if k == "name" {
		return x.gkey(gen, "all")
	}
	return x.gkey(gen, "v", indexKey(k))
}

// indexKey is selector key k as the index names it.
func indexKey(k string) string {
	if slices.Contains(SelectorKeys, k) {
		return k
	}
	return "l." + k
}

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
