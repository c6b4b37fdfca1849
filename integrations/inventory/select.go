package inventory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"

	"github.com/redis/go-redis/v9"
)

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
