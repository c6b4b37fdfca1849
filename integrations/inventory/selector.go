package inventory

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Selector picks assets. Its text is the same in every command: a name, a
// group, or terms separated by commas, all of which must hold:
//
//	web-1                  the asset called web-1, else the group web-1
//	role=web,env=prod      equal
//	env!=prod              not equal (assets without env match)
//	name=~"web-.*"         matches the regular expression, anchored (RE2)
//	name!~"web-.*"         does not match
//
// Keys are fields (name, address, env, role, group, team, oncall, state,
// criticality, os, os_version, location, vendor, model, serial), source,
// monitored, or a label's key. Values may be quoted with " or '.
// The empty selector picks every asset.
type Selector struct {
	Text  string
	Terms []Term
}

// Op is how a term compares.
type Op string

// The operators.
const (
	OpWord     Op = ""   // a bare word: a name or a group
	OpEqual    Op = "="  // equal
	OpNotEqual Op = "!=" // not equal
	OpMatch    Op = "=~" // matches the regular expression
	OpNotMatch Op = "!~" // does not match
)

// Term is one condition of a selector.
type Term struct {
	Key   string // "" for a bare word
	Op    Op
	Value string
	re    *regexp.Regexp
}

// Negative reports whether the term excludes (!=, !~).
func (t Term) Negative() bool { return t.Op == OpNotEqual || t.Op == OpNotMatch }

// Matches reports whether v satisfies a = or =~ term (or its negation's
// positive form, for != and !~).
func (t Term) Matches(v string) bool {
	if t.re != nil {
		return t.re.MatchString(v)
	}
	return v == t.Value
}

// SelectorError is a selector that cannot be read; its message says how
// to write it.
type SelectorError struct{ Msg string }

func (e *SelectorError) Error() string { return e.Msg }

// ErrSelector matches every *SelectorError with errors.Is.
var ErrSelector = errors.New("invalid selector")

// Is makes errors.Is(err, ErrSelector) true.
func (e *SelectorError) Is(target error) bool { return target == ErrSelector }

// MaxSelectorLen bounds a selector's text; MaxTerms its terms.
const (
	MaxSelectorLen = 1024
	MaxTerms       = 16
)

// notSelectable are fields a selector may not compare (use asset expiring
// for dates).
var notSelectable = []string{"port", "user", "labels", "groups", "purchased", "warranty_end", "end_of_life"}

// SelectorKeys are the keys a selector compares besides labels.
var SelectorKeys = []string{"name", "address", "env", "role", "group", "team", "oncall", "state", "criticality",
	"os", "os_version", "location", "vendor", "model", "serial", "source", "monitored"}

const selectorHelp = "write a name, a group, or terms like role=web,env=prod, env!=prod, name=~\"web-.*\""

// ParseSelector reads a selector.
func ParseSelector(text string) (Selector, error) {
	sel := Selector{Text: strings.TrimSpace(text)}
	if len(sel.Text) > MaxSelectorLen {
		return sel, &SelectorError{fmt.Sprintf("a selector may be at most %d characters long", MaxSelectorLen)}
	}
	parts, err := splitTerms(sel.Text)
	if err != nil {
		return sel, err
	}
	if len(parts) > MaxTerms {
		return sel, &SelectorError{fmt.Sprintf("a selector may have at most %d terms", MaxTerms)}
	}
	for _, p := range parts {
		t, err := parseTerm(p)
		if err != nil {
			return sel, err
		}
		sel.Terms = append(sel.Terms, t)
	}
	return sel, nil
}

// MustParseSelector is ParseSelector for selectors written in code.
func MustParseSelector(text string) Selector {
	s, err := ParseSelector(text)
	if err != nil {
		panic(err)
	}
	return s
}

// typographic are the quotes Slack clients put in typed text, read as
// the plain ones.
var typographic = strings.NewReplacer("“", `"`, "”", `"`, "‘", "'", "’", "'")

// splitTerms cuts text at commas outside quotes.
func splitTerms(text string) ([]string, error) {
	if text == "" {
		return nil, nil
	}
	text = typographic.Replace(text)
	var parts []string
	start := 0
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == ',':
			parts = append(parts, strings.TrimSpace(text[start:i]))
			start = i + 1
		}
	}
	if quote != 0 {
		return nil, &SelectorError{"a quote is not closed in " + quoteText(text) + "; " + selectorHelp}
	}
	parts = append(parts, strings.TrimSpace(text[start:]))
	for _, p := range parts {
		if p == "" {
			return nil, &SelectorError{quoteText(text) + " has an empty term; " + selectorHelp}
		}
	}
	return parts, nil
}

func parseTerm(p string) (Term, error) {
	i := strings.IndexAny(p, "=!")
	if i < 0 {
		if !NameRe.MatchString(p) {
			return Term{}, &SelectorError{quoteText(p) + " is not a name or a group; " + selectorHelp}
		}
		return Term{Op: OpWord, Value: p}, nil
	}
	key := strings.TrimSpace(p[:i])
	rest := p[i:]
	var t Term
	switch {
	case strings.HasPrefix(rest, "=~"):
		t.Op = OpMatch
	case strings.HasPrefix(rest, "!~"):
		t.Op = OpNotMatch
	case strings.HasPrefix(rest, "!="):
		t.Op = OpNotEqual
	case strings.HasPrefix(rest, "="):
		t.Op = OpEqual
	default:
		return t, &SelectorError{quoteText(p) + " is not a term; " + selectorHelp}
	}
	t.Key = key
	val, err := unquote(strings.TrimSpace(rest[len(t.Op):]))
	if err != nil {
		return t, &SelectorError{quoteText(p) + ": " + err.Error()}
	}
	t.Value = val
	if key == "" || val == "" {
		return t, &SelectorError{quoteText(p) + " is not a label selector: a term needs a key and a value; " + selectorHelp}
	}
	if key == "groups" {
		t.Key = "group"
	}
	if err := checkKey(t.Key); err != nil {
		return t, err
	}
	if t.Op == OpMatch || t.Op == OpNotMatch {
		re, err := regexp.Compile("^(?:" + val + ")$")
		if err != nil {
			return t, &SelectorError{fmt.Sprintf("%s is not a regular expression: %s", quoteText(val), strings.TrimPrefix(err.Error(), "error parsing regexp: "))}
		}
		t.re = re
	}
	return t, nil
}

func checkKey(k string) error {
	for _, n := range notSelectable {
		if k == n {
			hint := ""
			if strings.HasSuffix(n, "_end") || n == "end_of_life" || n == "purchased" {
				hint = " (for dates due, use asset expiring)"
			}
			return &SelectorError{fmt.Sprintf("%s cannot be selected on%s; keys: %s, or a label's", n, hint, strings.Join(SelectorKeys, ", "))}
		}
	}
	if !labelKeyRe.MatchString(k) {
		return &SelectorError{fmt.Sprintf("%s is not a key; keys: %s, or a label's", quoteText(k), strings.Join(SelectorKeys, ", "))}
	}
	return nil
}

func unquote(v string) (string, error) {
	if len(v) >= 1 && (v[0] == '"' || v[0] == '\'') {
		if len(v) < 2 || v[len(v)-1] != v[0] {
			return "", errors.New("the quote is not closed")
		}
		return v[1 : len(v)-1], nil
	}
	return v, nil
}

// quoteText shows typed text in a message: in backticks, cut to 60.
func quoteText(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// String is the selector as typed.
func (s Selector) String() string { return s.Text }

// Match reports whether a satisfies every term. A bare word matches the
// asset's name or one of its groups.
func (s Selector) Match(a *Asset) bool {
	for _, t := range s.Terms {
		if !t.match(a) {
			return false
		}
	}
	return true
}

func (t Term) match(a *Asset) bool {
	if t.Op == OpWord {
		return a.Name == t.Value || a.InGroup(t.Value)
	}
	vals := a.values(t.Key)
	any := false
	for _, v := range vals {
		if t.Matches(v) {
			any = true
			break
		}
	}
	if t.Negative() {
		return !any
	}
	return any
}

// ValuesOf is a's values for selector key k (several for group, none
// when it has none).
func ValuesOf(a *Asset, k string) []string { return a.values(k) }

// values are the asset's values for selector key k (several for group).
func (a *Asset) values(k string) []string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	if p := a.text(k); p != nil {
		return one(*p)
	}
	switch k {
	case "group":
		return a.Groups
	case "state":
		return one(string(a.State))
	case "criticality":
		return one(string(a.Criticality))
	default:
		v, ok := a.Labels[k]
		if !ok {
			return nil
		}
		return []string{v}
	}
}
