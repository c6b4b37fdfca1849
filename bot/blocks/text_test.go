package blocks

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                 "plain",
		"a & b":                 "a &amp; b",
		"<!channel>":            "&lt;!channel&gt;",
		"<https://evil|click>":  "&lt;https://evil|click&gt;",
		"&lt; already":          "&amp;lt; already",
		"<@U123> hi":            "&lt;@U123&gt; hi",
		"<!date^1^{time}|x>":    "&lt;!date^1^{time}|x&gt;",
		"emoji 🚨 & <b>bold</b>": "emoji 🚨 &amp; &lt;b&gt;bold&lt;/b&gt;",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if back := Unescape(Escape(in)); back != in {
			t.Errorf("Unescape(Escape(%q)) = %q", in, back)
		}
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 5, "abcd…"},
		{"ab&amp;cd", 5, "ab…"},      // would split &amp;
		{"ab&amp;cd", 8, "ab&amp;…"}, // entity kept whole
		{"héllo wörld", 6, "héllo…"},
		{"see <@U123> now", 8, "see …"},
		{"🚨🚨🚨🚨", 3, "🚨🚨…"},
		{"abc", 0, ""},
	} {
		got := Cut(c.in, c.n)
		if got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// FuzzCut: whatever the text, a cut is within the limit, valid UTF-8, and
// never leaves half an entity or half a token at its end.
func FuzzCut(f *testing.F) {
	for _, s := range []string{"a & b <c>", "&&&&&&", "<<<>>>", "🚨&🚨<x|y>", strings.Repeat("&", 3000)} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 5000 || !utf8.ValidString(s) {
			return
		}
		esc := Escape(s)
		got := Cut(esc, n)
		if utf8.RuneCountInString(got) > n {
			t.Fatalf("Cut to %d gave %d characters", n, utf8.RuneCountInString(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Cut gave invalid UTF-8 %q", got)
		}
		if strings.ContainsAny(got, "<>") {
			t.Fatalf("escaped text cut to %q has markup", got)
		}
		body := strings.TrimSuffix(got, Ellipsis)
		if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
			t.Fatalf("cut splits an entity: %q", got)
		}
		if Unescape(body) != "" && !strings.HasPrefix(s, Unescape(body)) {
			t.Fatalf("cut text %q is not a prefix of %q", Unescape(body), s)
		}
	})
}

func TestPlainCut(t *testing.T) {
	if got := PlainCut(strings.Repeat("é", 200), MaxHeader); utf8.RuneCountInString(got) != MaxHeader || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("PlainCut header = %d characters %q", utf8.RuneCountInString(got), got[len(got)-8:])
	}
	if got := PlainCut("a & b", 10); got != "a & b" {
		t.Errorf("plain text is not escaped: %q", got)
	}
}

func TestCode(t *testing.T) {
	got := Code("out <!channel>\n```\nclosed?", 100)
	if strings.Count(got, "```") != 2 || strings.Contains(got, "<!channel>") || !strings.HasPrefix(got, "```\n") {
		t.Errorf("Code = %q", got)
	}
	if long := Code(strings.Repeat("x", 5000), MaxSectionText); utf8.RuneCountInString(long) > MaxSectionText {
		t.Errorf("Code to %d gave %d", MaxSectionText, utf8.RuneCountInString(long))
	}
	if got := Inline("a`b<c"); got != "`a'b&lt;c`" {
		t.Errorf("Inline = %q", got)
	}
}

func TestLink(t *testing.T) {
	for _, c := range []struct {
		url, label, want string
		ok               bool
	}{
		{"https://grafana.example/d/1?a=1&b=2", "dash", "<https://grafana.example/d/1?a=1&amp;b=2|dash>", true},
		{"http://x.example/run book", "rb", "<http://x.example/run%20book|rb>", true},
		{"https://x.example/a|<!channel>", "y", "<https://x.example/a%7C%3C%21channel%3E|y>", true},
		{"https://x.example/", "<!channel> & co", "<https://x.example/|&lt;!channel&gt; &amp; co>", true},
		{"https://x.example/p", "", "<https://x.example/p>", true},
		{"javascript:alert(1)", "click", "click", false},
		{"mailto:a@b.c", "mail", "mail", false},
		{"/relative/path", "rel", "rel", false},
		{"<!channel>", "", "&lt;!channel&gt;", false},
		{"https://", "empty host", "empty host", false},
		{"ftp://files.example/x", "ftp", "ftp", false},
		{"https://x.example/\nnext", "nl", "nl", false},
		{"https://" + strings.Repeat("a", MaxURL) + ".example", "long", "long", false},
	} {
		got, ok := Link(c.url, c.label)
		if got != c.want || ok != c.ok {
			t.Errorf("Link(%q, %q) = %q, %v; want %q, %v", c.url, c.label, got, ok, c.want, c.ok)
		}
	}
}

func TestRefs(t *testing.T) {
	for in, want := range map[string]string{
		"U0123ABC": "<@U0123ABC>", "W012": "<@W012>", "opsbot": "opsbot", "alice": "alice",
		"U12<!channel>": "U12&lt;!channel&gt;", "u123": "u123",
	} {
		if got := Mention(in); got != want {
			t.Errorf("Mention(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ChannelRef("C0ALERTS"); got != "<#C0ALERTS>" {
		t.Errorf("ChannelRef = %q", got)
	}
	if got := ChannelRef("#ops <x>"); got != "#ops &lt;x&gt;" {
		t.Errorf("ChannelRef(name) = %q", got)
	}
	if got := GroupRef("S0SRE"); got != "<!subteam^S0SRE>" {
		t.Errorf("GroupRef = %q", got)
	}
}

func TestDate(t *testing.T) {
	at := time.Date(2026, 12, 4, 18, 30, 0, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	if got, want := Date(at, paris), "<!date^1796409000^{date_short_pretty} {time}|2026-12-04 19:30 CET>"; got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
	if got, want := DateFormat(at, nil, "{ago}"), "<!date^1796409000^{ago}|2026-12-04 18:30 UTC>"; got != want {
		t.Errorf("DateFormat = %q, want %q", got, want)
	}
}
