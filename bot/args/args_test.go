package args

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Token
	}{
		{"empty", "", nil},
		{"words", "  restart  nginx ", []Token{{Kind: Word, Value: "restart"}, {Kind: Word, Value: "nginx"}}},
		{"double quotes", `open sev1 "db is down"`, []Token{{Value: "open"}, {Value: "sev1"}, {Value: "db is down", Quoted: true}}},
		{"single quotes", `'a b'`, []Token{{Value: "a b", Quoted: true}}},
		{"smart quotes", "“a b” ‘c’", []Token{{Value: "a b", Quoted: true}, {Value: "c", Quoted: true}}},
		{"key value", `lines=50 unit="nginx service"`, []Token{{Key: "lines", Value: "50"}, {Key: "unit", Value: "nginx service", Quoted: true}}},
		{"equals not key", `a==b =c`, []Token{{Key: "a", Value: "=b"}, {Value: "=c"}}},
		{"user", "<@U123|alice> <@U9>", []Token{{Kind: User, Value: "U123", Label: "alice"}, {Kind: User, Value: "U9"}}},
		{"channel", "<#C1|ops>", []Token{{Kind: Channel, Value: "C1", Label: "ops"}}},
		{"usergroup", "<!subteam^S1|@sre>", []Token{{Kind: UserGroup, Value: "S1", Label: "@sre"}}},
		{"special", "<!here>", []Token{{Kind: Special, Value: "here"}}},
		{"link", "<https://x.example/a?b=c|the doc>", []Token{{Kind: Link, Value: "https://x.example/a?b=c", Label: "the doc"}}},
		{"not a token", "<nope> a<b", []Token{{Value: "<nope>"}, {Value: "a<b"}}},
		{"unclosed angle", "<@U1", []Token{{Value: "<@U1"}}},
		{"empty mention", "<@>", []Token{{Value: "<@>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			got := a.Tokens()
			for i := range got {
				got[i].start = 0
			}
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{`say "hello`, "‘open", "x=\"y", strings.Repeat("a", MaxLen+1), "\xff"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%.20q) = nil error, want one", in)
		}
	}
	_, err := Parse(`say "hello`)
	if !strings.Contains(err.Error(), "unterminated quote \" at character 5") {
		t.Errorf("error %q does not say where the quote is", err)
	}
}

func TestRestAndGet(t *testing.T) {
	a, err := Parse(`open sev2  Database latency  "high"  on=web-1`)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Rest(2); got != `Database latency  "high"  on=web-1` {
		t.Errorf("Rest(2) = %q", got)
	}
	if got := a.Rest(9); got != "" {
		t.Errorf("Rest(9) = %q", got)
	}
	if v, ok := a.Get("ON"); !ok || v != "web-1" {
		t.Errorf("Get(ON) = %q, %v", v, ok)
	}
	if n := len(a.Positional()); n != 5 {
		t.Errorf("Positional = %d, want 5", n)
	}
	q, _ := Parse(`note "all good now"`)
	if got := q.Rest(1); got != "all good now" {
		t.Errorf("Rest of one quoted arg = %q", got)
	}
	if got := a.At(-1); got.Value != "" {
		t.Errorf("At(-1) = %+v", got)
	}
}

func TestTokenText(t *testing.T) {
	a, _ := Parse("<@U1|alice> <#C1|ops> <!subteam^S1|@sre> <@U2> word")
	want := []string{"@alice", "#ops", "@sre", "U2", "word"}
	for i, w := range want {
		if got := a.At(i).Text(); got != w {
			t.Errorf("token %d Text = %q, want %q", i, got, w)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "a b", `"x y" 'z'`, "k=v k2=\"v 2\"", "<@U1|a> <#C1> <!subteam^S|@x> <http://a|b>", "“q”", "<", "<@", "a=\"", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		for i, tok := range a.Tokens() {
			if !utf8.ValidString(tok.Value) || !utf8.ValidString(tok.Label) {
				t.Fatalf("token %d not valid UTF-8", i)
			}
			_ = a.Rest(i)
			_ = tok.Text()
			if tok.Value == "" && !tok.Quoted && tok.Key == "" {
				t.Fatalf("empty unquoted token %d from %q", i, s)
			}
		}
	})
}

// Slack delivers typed &, < and > as entities: commands see what the
// person typed, and a typed "<!channel>" stays a word, not a mention.
func TestEntitiesAreDecoded(t *testing.T) {
	a, err := Parse(`note R&amp;D says &lt;!channel&gt; a&lt;b key=x&amp;y <@U1|bob&amp;co> "q &amp; a"`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{
		{Kind: Word, Value: "note"},
		{Kind: Word, Value: "R&D"},
		{Kind: Word, Value: "says"},
		{Kind: Word, Value: "<!channel>"},
		{Kind: Word, Value: "a<b"},
		{Kind: Word, Key: "key", Value: "x&y"},
		{Kind: User, Value: "U1", Label: "bob&co"},
		{Kind: Word, Value: "q & a", Quoted: true},
	}
	if a.Len() != len(want) {
		t.Fatalf("%d tokens, want %d: %+v", a.Len(), len(want), a.Tokens())
	}
	for i, w := range want {
		g := a.At(i)
		if g.Kind != w.Kind || g.Value != w.Value || g.Key != w.Key || g.Label != w.Label || g.Quoted != w.Quoted {
			t.Errorf("token %d = %+v, want %+v", i, g, w)
		}
	}
	if got := a.Rest(1); got != `R&D says <!channel> a<b key=x&y <@U1|bob&co> "q & a"` {
		t.Errorf("Rest(1) = %q", got)
	}
}
