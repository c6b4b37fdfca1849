package monitor

import (
	"regexp"
	"strings"
)

// Patterns guessUnit reads PromQL with.
var (
	quotedRE   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	bracesRE   = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	perSecRE   = regexp.MustCompile(`\b(rate|irate|deriv)\s*\(`)
	identRE    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	metricUnit = []struct{ suffix, unit, perSecond string }{
		{"_bytes_total", "bytes", "bytes/s"},
		{"_bytes", "bytes", "bytes/s"},
		{"_seconds_total", "s", ""}, // seconds per second: a share of one CPU, say
		{"_seconds", "s", ""},
		{"_ratio", "ratio", ""},
		{"_percent", "%", ""},
		{"_celsius", "°C", ""},
		{"_volts", "V", ""},
		{"_watts", "W", ""},
		{"_joules_total", "J", "W"},
		{"_hertz", "Hz", ""},
		{"_meters", "m", ""},
		{"_total", "", "/s"},
	}
)

// guessUnit names the unit of a PromQL expression's values from the suffix
// of its metric names (Prometheus' naming convention): node_memory_*_bytes
// is bytes, rate() of a *_bytes_total counter bytes/s, *_ratio a ratio. It
// says nothing ("") when the names disagree or the expression divides or
// multiplies, which changes the unit.
func guessUnit(promql string) string {
	q := bracesRE.ReplaceAllString(quotedRE.ReplaceAllString(promql, `""`), "")
	if strings.ContainsAny(q, "/*") {
		return ""
	}
	perSecond := perSecRE.MatchString(q)
	unit, found := "", false
	for _, loc := range identRE.FindAllStringIndex(q, -1) {
		name := q[loc[0]:loc[1]]
		if strings.HasPrefix(strings.TrimLeft(q[loc[1]:], " \t"), "(") {
			continue // a function or an aggregation
		}
		for _, m := range metricUnit {
			if !strings.HasSuffix(name, m.suffix) {
				continue
			}
			u := m.unit
			if perSecond {
				u = m.perSecond
			}
			if found && u != unit {
				return ""
			}
			unit, found = u, true
			break
		}
	}
	return unit
}

// chartUnit turns a unit into the chart's unit and a factor for the values:
// ratios are drawn in percent, "none" draws plain numbers.
func chartUnit(unit string) (yunit string, scale float64) {
	switch strings.ToLower(unit) {
	case "ratio":
		return "%", 100
	case "none":
		return "", 1
	case "percent":
		return "%", 1
	}
	return unit, 1
}
