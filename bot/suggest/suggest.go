// Package suggest finds the names a person probably meant: the one edit
// distance behind every "did you mean" opsbot says (verbs, config keys,
// hosts and groups, assets).
package suggest

import (
	"cmp"
	"slices"
	"strings"
)

// Distance is the Damerau–Levenshtein (optimal string alignment) distance
// of a and b in runes: insertions, deletions, substitutions and swaps of
// two neighbours each cost 1.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows are enough: the swap looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Near returns up to n of names that typed is close to, nearest first
// (then by name): within maxDist edits, or containing typed or contained
// in it, compared without case. Names appear once.
func Near(typed string, names []string, maxDist, n int) []string {
	type cand struct {
		name string
		d    int
	}
	lt := strings.ToLower(typed)
	seen := map[string]bool{}
	var cands []cand
	for _, name := range names {
		if seen[name] || name == "" {
			continue
		}
		seen[name] = true
		ln := strings.ToLower(name)
		d := Distance(lt, ln)
		if d <= maxDist || lt != "" && (strings.Contains(ln, lt) || strings.Contains(lt, ln)) {
			cands = append(cands, cand{name, d})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.name, b.name))
	})
	out := make([]string, 0, min(n, len(cands)))
	for _, c := range cands[:min(n, len(cands))] {
		out = append(out, c.name)
	}
	return out
}
