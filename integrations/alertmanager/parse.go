package alertmanager

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseMatchers reads the matcher syntax operators type, the one
// Alertmanager's amtool and UI accept:
//
//	alertname="HighCPU",severity=~"crit|warn",env!=dev
//	{alertname="HighCPU", severity=~"crit|warn"}
//
// Matchers are separated by commas (a trailing comma is fine); the whole
// list may be wrapped in braces. Each matcher is a label name, an operator
// (=, !=, =~, !~) and a value. A value is either double-quoted, where \" is
// a quote, \\ a backslash and \n a line feed, or bare: everything up to the
// next comma, closing brace, space or the end, taken literally. Regular
// expressions are anchored: "crit" does not match "critical". At least one
// matcher is required. Errors name the column and what was expected there.
func ParseMatchers(s string) ([]Matcher, error) {
	p := matcherParser{s: s}
	ms, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("parse matchers: %w", err)
	}
	return ms, nil
}

type matcherParser struct {
	s   string
	pos int // byte offset of the next unread byte
}

func (p *matcherParser) parse() ([]Matcher, error) {
	p.skipSpace()
	braced := p.accept('{')
	var ms []Matcher
	for {
		p.skipSpace()
		if p.eof() {
			if braced {
				return nil, p.errorf("missing closing '}'")
			}
			break
		}
		if p.peek() == '}' {
			if !braced {
				return nil, p.errorf("unexpected '}' without an opening '{'")
			}
			p.pos++
			p.skipSpace()
			if !p.eof() {
				return nil, p.errorf("unexpected %s after the closing '}'", p.found())
			}
			break
		}
		m, err := p.matcher()
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
		p.skipSpace()
		if p.eof() || p.peek() == '}' {
			continue
		}
		if !p.accept(',') {
			return nil, p.errorf("expected ',' between matchers, found %s", p.found())
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf(`no matchers given; expected something like alertname="HighCPU",severity=~"crit|warn"`)
	}
	return ms, nil
}

// matcher reads name, operator and value.
func (p *matcherParser) matcher() (Matcher, error) {
	start := p.pos
	for !p.eof() && isNameByte(p.peek(), p.pos == start) {
		p.pos++
	}
	name := p.s[start:p.pos]
	if name == "" {
		return Matcher{}, p.errorf("expected a label name (letters, digits, '_' or ':', like alertname), found %s", p.found())
	}
	p.skipSpace()
	t, ok := p.operator()
	if !ok {
		return Matcher{}, p.errorf("expected an operator (=, !=, =~ or !~) after label name %q, found %s", name, p.found())
	}
	p.skipSpace()
	var value string
	var err error
	if !p.eof() && p.peek() == '"' {
		value, err = p.quoted(name)
	} else {
		value, err = p.bare(name, t)
	}
	if err != nil {
		return Matcher{}, err
	}
	if !utf8.ValidString(value) {
		return Matcher{}, fmt.Errorf("value of label %q is not valid UTF-8", name)
	}
	m, err := NewMatcher(name, t, value)
	if err != nil {
		return Matcher{}, fmt.Errorf("matcher %s: %w", p.s[start:p.pos], err)
	}
	return m, nil
}

func (p *matcherParser) operator() (MatchType, bool) {
	for _, op := range [...]struct {
		text string
		t    MatchType
	}{{"=~", MatchRegexp}, {"!=", MatchNotEqual}, {"!~", MatchNotRegexp}, {"=", MatchEqual}} {
		if strings.HasPrefix(p.s[p.pos:], op.text) {
			p.pos += len(op.text)
			return op.t, true
		}
	}
	return 0, false
}

// quoted reads a double-quoted value. Escapes other than \" \\ \n keep
// their backslash, so regexes such as "\d+" can be typed as they are.
func (p *matcherParser) quoted(name string) (string, error) {
	open := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.pos]
		p.pos++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if p.eof() {
				b.WriteByte('\\')
				continue
			}
			switch e := p.s[p.pos]; e {
			case '"', '\\':
				b.WriteByte(e)
				p.pos++
			case 'n':
				b.WriteByte('\n')
				p.pos++
			default:
				b.WriteByte('\\')
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("column %d: the value of label %q opens a quote that is never closed", open+1, name)
}

// bare reads an unquoted value: up to a comma, closing brace, space or the
// end of input.
func (p *matcherParser) bare(name string, t MatchType) (string, error) {
	start := p.pos
	if !p.eof() && (p.peek() == '=' || p.peek() == '~') {
		return "", p.errorf("unexpected %s after %s; the operators are =, !=, =~ and !~", p.found(), t)
	}
	for !p.eof() {
		switch c := p.peek(); {
		case c == ',' || c == '}' || isSpace(c):
			return p.s[start:p.pos], nil
		case c == '"':
			return "", p.errorf("unexpected '\"' inside the unquoted value of label %q; quote the whole value", name)
		}
		p.pos++
	}
	return p.s[start:p.pos], nil
}

func (p *matcherParser) eof() bool  { return p.pos >= len(p.s) }
func (p *matcherParser) peek() byte { return p.s[p.pos] }

func (p *matcherParser) accept(c byte) bool {
	if !p.eof() && p.peek() == c {
		p.pos++
		return true
	}
	return false
}

func (p *matcherParser) skipSpace() {
	for !p.eof() && isSpace(p.peek()) {
		p.pos++
	}
}

// found describes what is at the current position, for error messages.
func (p *matcherParser) found() string {
	if p.eof() {
		return "end of input"
	}
	rest := p.s[p.pos:]
	const maxShown = 20
	if len(rest) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(rest[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", rest[:cut])
	}
	return fmt.Sprintf("%q", rest)
}

func (p *matcherParser) errorf(format string, args ...any) error {
	return fmt.Errorf("column %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
