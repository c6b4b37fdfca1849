package prometheus

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// FormatValue writes a sample value compactly for chat: four significant
// digits, plain notation from 0.0001 up to a million and exponent notation
// outside it (0.9423, 123.5, 12346, 1.2e+06, 3.5e-07), "NaN", "+Inf", "-Inf".
func FormatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == 0:
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e6 || a < 1 {
		// 'g' switches to exponent notation below 0.0001.
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	intDigits := int(math.Floor(math.Log10(a))) + 1
	s := strconv.FormatFloat(v, 'f', max(0, 4-intDigits), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// SeriesName writes labels the way PromQL does: the metric name from
// "__name__" first, then the other labels sorted, values quoted, as in
// node_load1{instance="web-1:9100",job="node"}. Labels without a metric name
// give {instance="a",job="b"}; no labels at all give {}.
func SeriesName(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		if k != "__name__" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(labels["__name__"])
	if len(names) == 0 && b.Len() > 0 {
		return b.String()
	}
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}
