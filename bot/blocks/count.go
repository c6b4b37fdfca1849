package blocks

import "strconv"

// Count is n with noun, made plural when n is not 1: "1 alert",
// "3 alerts", "1 more group". For nouns whose plural adds an s; write
// others ("series") as they are.
func Count(n int, noun string) string {
	s := strconv.Itoa(n) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}
