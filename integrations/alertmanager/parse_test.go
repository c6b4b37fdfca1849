package alertmanager

import (
	"strings"
	"testing"
)

func TestParseMatchers(t *testing.T) {
	m := func(name string, typ MatchType, value string) Matcher {
		return Matcher{Name: name, Type: typ, Value: value}
	}
	tests := []struct {
		in   string
		want []Matcher
	}{
		{`alertname="HighCPU",severity=~"crit|warn",env!=dev`, []Matcher{
			m("alertname", MatchEqual, "HighCPU"), m("severity", MatchRegexp, "crit|warn"), m("env", MatchNotEqual, "dev"),
		}},
		{`{alertname="HighCPU", severity=~"crit|warn"}`, []Matcher{
			m("alertname", MatchEqual, "HighCPU"), m("severity", MatchRegexp, "crit|warn"),
		}},
		{` { foo = "bar" , dings != "bums" , } `, []Matcher{m("foo", MatchEqual, "bar"), m("dings", MatchNotEqual, "bums")}},
		{`job!~node|blackbox`, []Matcher{m("job", MatchNotRegexp, "node|blackbox")}},
		{`instance=web-1:9100,`, []Matcher{m("instance", MatchEqual, "web-1:9100")}},
		{`env=`, []Matcher{m("env", MatchEqual, "")}},
		{`env="",team=db`, []Matcher{m("env", MatchEqual, ""), m("team", MatchEqual, "db")}},
		{`quote="She said: \"Hi, all\""`, []Matcher{m("quote", MatchEqual, `She said: "Hi, all"`)}},
		{`path="C:\\temp\nx"`, []Matcher{m("path", MatchEqual, "C:\\temp\nx")}},
		{`code=~"5\d\d"`, []Matcher{m("code", MatchRegexp, `5\d\d`)}},
		{`a="x,y}z"`, []Matcher{m("a", MatchEqual, "x,y}z")}},
		{`__name__=up,_x:y=1`, []Matcher{m("__name__", MatchEqual, "up"), m("_x:y", MatchEqual, "1")}},
		{`{region="é"}`, []Matcher{m("region", MatchEqual, "é")}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMatchers(tt.in)
			if err != nil {
				t.Fatalf("ParseMatchers: %v", err)
			}
			if !equalMatchers(got, tt.want) {
				t.Fatalf("got %v, want %v", Matchers(got), Matchers(tt.want))
			}
		})
	}
}

func TestParseMatchersErrors(t *testing.T) {
	tests := []struct {
		in, words string
	}{
		{``, `no matchers given; expected something like alertname="HighCPU"`},
		{`{}`, `no matchers given`},
		{`alertname`, `column 10: expected an operator (=, !=, =~ or !~) after label name "alertname", found end of input`},
		{`alertname HighCPU`, `column 11: expected an operator (=, !=, =~ or !~) after label name "alertname", found "HighCPU"`},
		{`alertname==HighCPU`, `column 11: unexpected "=HighCPU" after =; the operators are =, !=, =~ and !~`},
		{`alertname=HighCPU severity=crit`, `column 19: expected ',' between matchers, found "severity=crit"`},
		{`alertname="HighCPU"x`, `column 20: expected ',' between matchers, found "x"`},
		{`="x"`, `column 1: expected a label name (letters, digits, '_' or ':', like alertname), found "=\"x\""`},
		{`1abc="x"`, `column 1: expected a label name`},
		{`{alertname="x"`, `missing closing '}'`},
		{`alertname="x"}`, `column 14: unexpected '}' without an opening '{'`},
		{`{a=b} c`, `column 7: unexpected "c" after the closing '}'`},
		{`a="unterminated`, `column 3: the value of label "a" opens a quote that is never closed`},
		{`a=b"c"`, `unexpected '"' inside the unquoted value of label "a"; quote the whole value`},
		{`severity=~"crit("`, `invalid regular expression "crit("`},
		{`a=~"x)|(y"`, `invalid regular expression "x)|(y"`},
		{"a=\"\xff\"", `value of label "a" is not valid UTF-8`},
		{`a=b,,c=d`, `column 5: expected a label name`},
		{`a-b=c`, `column 2: expected an operator`},
		{`a=` + strings.Repeat("x", 50) + ` y`, `found "y"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMatchers(tt.in)
			if err == nil {
				t.Fatalf("accepted as %v", Matchers(got))
			}
			if !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("error %q does not say %q", err, tt.words)
			}
		})
	}
}

// FuzzParseMatchers checks that the parser never panics and that whatever
// it accepts prints (Matchers.String) to text that parses to the same
// matchers.
//
//	go test -run '^$' -fuzz FuzzParseMatchers -fuzztime 30s ./integrations/alertmanager/
func FuzzParseMatchers(f *testing.F) {
	for _, s := range []string{
		`alertname="HighCPU",severity=~"crit|warn",env!=dev`,
		`{foo = "bar", dings != "bums", }`,
		`quote="She said: \"Hi\"\n\\"`,
		`code=~"5\d\d",x!~"a|b"`,
		`{a=}`, `a="x,y}z"`, `"a"=b`, `a==b`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ms, err := ParseMatchers(in)
		if err != nil {
			return
		}
		if len(ms) == 0 {
			t.Fatal("no error and no matchers")
		}
		text := Matchers(ms).String()
		again, err := ParseMatchers(text)
		if err != nil {
			t.Fatalf("%q parsed, but its rendering %q does not: %v", in, text, err)
		}
		if !equalMatchers(ms, again) {
			t.Fatalf("round trip of %q changed %v into %v", in, Matchers(ms), Matchers(again))
		}
		for i, m := range ms {
			one, err := ParseMatchers(m.String())
			if err != nil || len(one) != 1 || !one[0].Equal(m) {
				t.Fatalf("matcher %d %v does not round-trip alone: %v %v", i, m, one, err)
			}
		}
	})
}

func equalMatchers(a, b []Matcher) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
