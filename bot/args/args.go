// Package args splits what a person typed after a verb into arguments:
// words, quoted strings, key=value pairs and the tokens Slack puts in
// message text for mentions, channels, user groups and links.
package args

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"opsbot/bot/blocks"
)

// Kind says what an argument is.
type Kind int

// The kinds of argument Parse recognises.
const (
	Word      Kind = iota // a plain word or a quoted string
	User                  // <@U123|name>
	Channel               // <#C123|name>
	UserGroup             // <!subteam^S123|@handle>
	Link                  // <https://example.com|text>
	Special               // <!here>, <!channel>, <!everyone>
)

func (k Kind) String() string {
	switch k {
	case User:
		return "user"
	case Channel:
		return "channel"
	case UserGroup:
		return "user group"
	case Link:
		return "link"
	case Special:
		return "special mention"
	default:
		return "word"
	}
}

// Token is one argument.
type Token struct {
	Kind Kind
	// Value is the word's text, or the id (U123, C123, S123) or URL a Slack
	// token points at.
	Value string
	// Label is the visible text of a Slack token (name, handle, link text).
	Label string
	// Key is set for key=value arguments; Value then holds the value.
	Key string
	// Quoted reports whether the value was written in quotes.
	Quoted bool
	start  int
}

// Text is how the token reads to a person: the label of a mention, the
// value of a word.
func (t Token) Text() string {
	switch t.Kind {
	case User, UserGroup:
		if t.Label != "" {
			return "@" + strings.TrimPrefix(t.Label, "@")
		}
		return t.Value
	case Channel:
		if t.Label != "" {
			return "#" + t.Label
		}
		return t.Value
	default:
		return t.Value
	}
}

// Args is the parsed argument list.
type Args struct {
	src    string
	tokens []Token
}

// MaxLen is the longest input Parse accepts.
const MaxLen = 8000

// ErrTooLong is returned for input longer than MaxLen.
var ErrTooLong = fmt.Errorf("input is longer than %d characters", MaxLen)

// Parse splits s into arguments. It fails only on an unterminated quote,
// invalid UTF-8 or over-long input, and never panics.
func Parse(s string) (Args, error) {
	if len(s) > MaxLen {
		return Args{}, ErrTooLong
	}
	if !utf8.ValidString(s) {
		return Args{}, errors.New("input is not valid UTF-8")
	}
	p := parser{s: s}
	var toks []Token
	for {
		p.skipSpace()
		if p.i >= len(s) {
			break
		}
		t, err := p.token()
		if err != nil {
			return Args{}, err
		}
		// Slack sends typed &, < and > as entities; what a person typed
		// is what a command sees (tokens were found before decoding, so
		// a typed "<!channel>" stays a word).
		t.Value, t.Label = blocks.Unescape(t.Value), blocks.Unescape(t.Label)
		toks = append(toks, t)
	}
	return Args{src: s, tokens: toks}, nil
}

// Len is the number of arguments.
func (a Args) Len() int { return len(a.tokens) }

// Tokens returns all arguments in order.
func (a Args) Tokens() []Token { return a.tokens }

// At returns argument i, or the zero Token when there is none.
func (a Args) At(i int) Token {
	if i < 0 || i >= len(a.tokens) {
		return Token{}
	}
	return a.tokens[i]
}

// Arg returns the value of argument i, or "" when there is none.
func (a Args) Arg(i int) string { return a.At(i).Value }

// Rest returns the text from argument i to the end as it was typed, for
// free text such as titles and reasons. Surrounding quotes of a single
// quoted argument are removed.
func (a Args) Rest(i int) string {
	if i < 0 || i >= len(a.tokens) {
		return ""
	}
	if i == len(a.tokens)-1 && a.tokens[i].Quoted && a.tokens[i].Key == "" {
		return a.tokens[i].Value
	}
	return blocks.Unescape(strings.TrimSpace(a.src[a.tokens[i].start:]))
}

// Get returns the value of the key=value argument named key.
func (a Args) Get(key string) (string, bool) {
	for _, t := range a.tokens {
		if t.Key != "" && strings.EqualFold(t.Key, key) {
			return t.Value, true
		}
	}
	return "", false
}

// Positional returns the arguments that are not key=value pairs.
func (a Args) Positional() []Token {
	out := make([]Token, 0, len(a.tokens))
	for _, t := range a.tokens {
		if t.Key == "" {
			out = append(out, t)
		}
	}
	return out
}

type parser struct {
	s string
	i int
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += n
	}
}

// closing returns the quote that ends a string opened by r, including the
// typographic quotes Slack clients substitute.
func closing(r rune) (rune, bool) {
	switch r {
	case '"':
		return '"', true
	case '\'':
		return '\'', true
	case '“':
		return '”', true
	case '‘':
		return '’', true
	}
	return 0, false
}

func (p *parser) token() (Token, error) {
	start := p.i
	if p.s[p.i] == '<' {
		if t, ok := p.slackToken(); ok {
			t.start = start
			return t, nil
		}
	}
	if t, ok, err := p.quoted(); ok || err != nil {
		t.start = start
		return t, err
	}
	// A bare word, possibly key=value with a quoted value.
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if unicode.IsSpace(r) {
			break
		}
		if r == '=' && p.i > start && isKey(p.s[start:p.i]) {
			key := p.s[start:p.i]
			p.i += n
			if p.i < len(p.s) {
				if v, ok, err := p.quoted(); err != nil {
					return Token{}, err
				} else if ok {
					v.Key, v.start = key, start
					return v, nil
				}
			}
			vs := p.i
			p.word()
			return Token{Kind: Word, Key: key, Value: p.s[vs:p.i], start: start}, nil
		}
		p.i += n
	}
	return Token{Kind: Word, Value: p.s[start:p.i], start: start}, nil
}

func (p *parser) word() {
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if unicode.IsSpace(r) {
			return
		}
		p.i += n
	}
}

func (p *parser) quoted() (Token, bool, error) {
	open, n := utf8.DecodeRuneInString(p.s[p.i:])
	cl, ok := closing(open)
	if !ok {
		return Token{}, false, nil
	}
	at := p.i
	end := strings.IndexRune(p.s[p.i+n:], cl)
	if end < 0 {
		return Token{}, false, fmt.Errorf("unterminated quote %c at character %d: close it or remove it", open, utf8.RuneCountInString(p.s[:at])+1)
	}
	v := p.s[p.i+n : p.i+n+end]
	p.i += n + end + utf8.RuneLen(cl)
	return Token{Kind: Word, Value: v, Quoted: true}, true, nil
}

func isKey(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// slackToken parses <...> forms; ok is false when the text is not one, in
// which case it is read as a plain word.
func (p *parser) slackToken() (Token, bool) {
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		return Token{}, false
	}
	inner := p.s[p.i+1 : p.i+end]
	if inner == "" || strings.ContainsAny(inner, " \t\n<") && !strings.HasPrefix(inner, "http") {
		return Token{}, false
	}
	target, label, _ := strings.Cut(inner, "|")
	var t Token
	switch {
	case strings.HasPrefix(target, "@"):
		t = Token{Kind: User, Value: target[1:], Label: label}
	case strings.HasPrefix(target, "#"):
		t = Token{Kind: Channel, Value: target[1:], Label: label}
	case strings.HasPrefix(target, "!subteam^"):
		t = Token{Kind: UserGroup, Value: strings.TrimPrefix(target, "!subteam^"), Label: label}
	case strings.HasPrefix(target, "!"):
		t = Token{Kind: Special, Value: target[1:], Label: label}
	case strings.Contains(target, ":"):
		t = Token{Kind: Link, Value: target, Label: label}
	default:
		return Token{}, false
	}
	if t.Value == "" {
		return Token{}, false
	}
	p.i += end + 1
	return t, true
}
