package alertmanager

import (
	"fmt"
	"regexp"
	"strings"
)

// MatchType is the operator of a label matcher.
type MatchType int

// The four operators Alertmanager knows, as in PromQL selectors.
const (
	MatchEqual     MatchType = iota // =
	MatchNotEqual                   // !=
	MatchRegexp                     // =~
	MatchNotRegexp                  // !~
)

// String returns the operator as it is written: "=", "!=", "=~" or "!~".
func (t MatchType) String() string {
	switch t {
	case MatchEqual:
		return "="
	case MatchNotEqual:
		return "!="
	case MatchRegexp:
		return "=~"
	case MatchNotRegexp:
		return "!~"
	}
	return fmt.Sprintf("MatchType(%d)", int(t))
}

func (t MatchType) isRegex() bool { return t == MatchRegexp || t == MatchNotRegexp }
func (t MatchType) isEqual() bool { return t == MatchEqual || t == MatchRegexp }

// Matcher selects alerts or silences by one label, the way Alertmanager's
// silences, routes and API filters do. Build one with NewMatcher or
// ParseMatchers so that a regular expression is checked and compiled once.
type Matcher struct {
	Name  string
	Type  MatchType
	Value string

	re *regexp.Regexp // compiled ^(?:Value)$ for the regex types
}

// NewMatcher checks name and value and returns a ready matcher. Regular
// expressions are anchored at both ends, as Alertmanager anchors them:
// severity=~"crit" does not match "critical".
func NewMatcher(name string, t MatchType, value string) (Matcher, error) {
	if !validLabelName(name) {
		return Matcher{}, fmt.Errorf("label name %q is not valid: use letters, digits, '_' and ':', not starting with a digit", name)
	}
	if t < MatchEqual || t > MatchNotRegexp {
		return Matcher{}, fmt.Errorf("unknown match type %d", int(t))
	}
	m := Matcher{Name: name, Type: t, Value: value}
	if t.isRegex() {
		re, err := compileAnchored(value)
		if err != nil {
			return Matcher{}, fmt.Errorf("label %s: %w", name, err)
		}
		m.re = re
	}
	return m, nil
}

// compileAnchored compiles ^(?:value)$. The value is first compiled on its
// own, so that a value such as `a)|(b` cannot escape the anchoring group.
func compileAnchored(value string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(value); err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", value, err)
	}
	re, err := regexp.Compile("^(?:" + value + ")$")
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", value, err)
	}
	return re, nil
}

// Matches reports whether labels satisfy the matcher. A label that is
// absent counts as the empty string, as in Alertmanager: env!="prod"
// matches an alert without an env label. A regex matcher whose value does
// not compile (possible only when the struct was filled by hand) matches
// nothing.
func (m Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	switch m.Type {
	case MatchEqual:
		return v == m.Value
	case MatchNotEqual:
		return v != m.Value
	}
	re := m.re
	if re == nil {
		var err error
		if re, err = compileAnchored(m.Value); err != nil {
			return false
		}
	}
	if m.Type == MatchRegexp {
		return re.MatchString(v)
	}
	return !re.MatchString(v)
}

// Equal reports whether two matchers have the same name, operator and value.
func (m Matcher) Equal(o Matcher) bool {
	return m.Name == o.Name && m.Type == o.Type && m.Value == o.Value
}

// String renders the matcher as name, operator and double-quoted value,
// e.g. severity=~"crit|warn"; ParseMatchers reads it back unchanged.
func (m Matcher) String() string {
	return m.Name + m.Type.String() + quoteValue(m.Value)
}

// quoteValue escapes backslash, double quote and line feed the way
// Alertmanager (and OpenMetrics) does and wraps the result in quotes.
func quoteValue(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Matchers is a list of matchers that all have to match.
type Matchers []Matcher

// Matches reports whether labels satisfy every matcher.
func (ms Matchers) Matches(labels map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// String renders the list in braces, e.g. {alertname="HighCPU",env!="dev"};
// ParseMatchers reads it back unchanged.
func (ms Matchers) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.String())
	}
	b.WriteByte('}')
	return b.String()
}

// validLabelName accepts what Alertmanager's matcher syntax accepts:
// [a-zA-Z_:][a-zA-Z0-9_:]*.
func validLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == ':':
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}
