// Package blocks is opsbot's one kit for Slack text: escaping what comes
// from data or people, links that are only ever http(s), mentions, times
// every reader sees in their own zone, cutting text to Slack's limits after
// escaping, and block constructors that keep Slack's documented limits.
// Domains build what they post through it, so no text reaches Slack as
// live markup and no block is refused for its size.
package blocks

import (
	"strings"
	"unicode/utf8"
)

// escaper is built once: building a Replacer costs far more than using it
// (it is immutable, so sharing it is safe).
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text from data or people inert in Slack text: &, < and >
// become entities, so nothing in it forms a mention, a link or a date.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return escaper.Replace(s)
}

// unescaper undoes Slack's three entities, in the order that keeps
// "&amp;lt;" reading as "&lt;".
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// Unescape turns the entities Slack puts in typed text (&amp; &lt; &gt;)
// back into the characters the person typed.
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return unescaper.Replace(s)
}

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// Cut returns Slack text of at most n characters (Slack counts
// characters, not bytes), ending in "…" when it was cut. It never splits
// a rune, an entity (&amp;) or a Slack token (<@U1>, <url|text>): a cut
// that would land inside one is moved before it. Cut text that is already
// escaped; Cut(Escape(s), n) is EscapeCut.
func Cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	keep := n - utf8.RuneCountInString(Ellipsis)
	if keep < 0 {
		keep = 0
	}
	// Byte offset of the first keep runes.
	end, count := 0, 0
	for i := range s {
		if count == keep {
			end = i
			break
		}
		count++
	}
	end = safeEnd(s, end)
	return s[:end] + Ellipsis
}

// safeEnd moves a cut at byte end back before any entity or <token> it
// would split.
func safeEnd(s string, end int) int {
	head := s[:end]
	if amp := strings.LastIndexByte(head, '&'); amp >= 0 && !strings.ContainsRune(head[amp:], ';') {
		// "&am|p;": an entity is at most 5 bytes long ("&amp;").
		if end-amp < 5 {
			end = amp
			head = s[:end]
		}
	}
	if lt := strings.LastIndexByte(head, '<'); lt >= 0 && !strings.ContainsRune(head[lt:], '>') {
		end = lt
	}
	return end
}

// EscapeCut escapes s and cuts the result to n characters.
func EscapeCut(s string, n int) string { return Cut(Escape(s), n) }

// PlainCut cuts plain_text (which Slack does not parse for markup, so it
// is not escaped) to n characters without splitting a rune.
func PlainCut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	keep := n - utf8.RuneCountInString(Ellipsis)
	if keep < 0 {
		keep = 0
	}
	return string(r[:keep]) + Ellipsis
}

// Code returns s as a code block: escaped, with any ``` inside it broken
// so it cannot end the block early, cut to n characters in all.
func Code(s string, n int) string {
	s = strings.ReplaceAll(Escape(s), "```", "`\u200b``")
	const fence = "```"
	return fence + "\n" + Cut(s, n-2*len(fence)-2) + "\n" + fence
}

// Inline returns s as inline code, escaped, with backticks inside it
// replaced so they cannot end it.
func Inline(s string) string {
	return "`" + strings.ReplaceAll(Escape(s), "`", "'") + "`"
}
