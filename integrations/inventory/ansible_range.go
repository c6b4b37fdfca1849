package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxRangeHosts bounds what one host pattern may expand to.
const MaxRangeHosts = 10000

// expandHosts expands Ansible's host ranges: web[01:03] is web01, web02,
// web03 (leading zeros kept), db-[a:c] is db-a, db-b, db-c, and
// [1:10:2] steps by 2. Several ranges in one pattern multiply.
func expandHosts(pattern string) ([]string, error) {
	open := strings.IndexByte(pattern, '[')
	if open < 0 {
		if strings.ContainsRune(pattern, ']') {
			return nil, fmt.Errorf("%q has a ] without [", pattern)
		}
		return []string{pattern}, nil
	}
	end := strings.IndexByte(pattern[open:], ']')
	if end < 0 {
		return nil, fmt.Errorf("%q has a [ without ]", pattern)
	}
	end += open
	items, err := expandRange(pattern[open+1 : end])
	if err != nil {
		return nil, fmt.Errorf("%q: %w", pattern, err)
	}
	rest, err := expandHosts(pattern[end+1:])
	if err != nil {
		return nil, err
	}
	if len(items)*len(rest) > MaxRangeHosts {
		return nil, fmt.Errorf("%q expands to more than %d hosts", pattern, MaxRangeHosts)
	}
	out := make([]string, 0, len(items)*len(rest))
	for _, it := range items {
		for _, r := range rest {
			out = append(out, pattern[:open]+it+r)
		}
	}
	return out, nil
}

// expandRange expands "01:03", "a:c" or "1:10:2".
func expandRange(r string) ([]string, error) {
	parts := strings.Split(r, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("[%s] is not a range: write [01:10], [a:f] or [1:10:2]", r)
	}
	step := 1
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("[%s]: the step %q is not a positive number", r, parts[2])
		}
		step = n
	}
	lo, hi := parts[0], parts[1]
	if isLetter(lo) && isLetter(hi) {
		if lo[0] > hi[0] {
			return nil, fmt.Errorf("[%s] runs backwards", r)
		}
		var out []string
		for c := lo[0]; c <= hi[0]; c += byte(step) {
			out = append(out, string(c))
			if int(c)+step > 255 {
				break
			}
		}
		return out, nil
	}
	a, errA := strconv.Atoi(lo)
	b, errB := strconv.Atoi(hi)
	if errA != nil || errB != nil || a < 0 {
		return nil, fmt.Errorf("[%s] is not a range: both ends must be numbers or single letters", r)
	}
	if a > b {
		return nil, fmt.Errorf("[%s] runs backwards", r)
	}
	if (b-a)/step+1 > MaxRangeHosts {
		return nil, fmt.Errorf("[%s] expands to more than %d hosts", r, MaxRangeHosts)
	}
	width := 0
	if len(lo) > 1 && lo[0] == '0' {
		width = len(lo)
	}
	var out []string
	for n := a; n <= b; n += step {
		out = append(out, fmt.Sprintf("%0*d", width, n))
	}
	return out, nil
}

func isLetter(s string) bool {
	return len(s) == 1 && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}
