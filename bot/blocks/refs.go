package blocks

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// MaxURL is the longest URL Slack takes in a link or a button.
const MaxURL = 3000

// SafeURL returns raw as a URL fit for a Slack link or button: absolute
// http or https with a host, at most MaxURL long, with the characters
// that would end or split a <url|text> link (| < > spaces, quotes)
// percent-encoded. ok is false for anything else (javascript:, mailto:,
// relative paths, Slack tokens, text that does not parse).
func SafeURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.ContainsAny(raw, "\x00\r\n\t") {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	if strings.ContainsAny(u.Host, "<>|\"' ") {
		return "", false
	}
	s := linkSafe.Replace(u.String())
	if len(s) > MaxURL {
		return "", false
	}
	return s, true
}

// linkSafe percent-encodes what url.URL.String leaves that Slack would
// read as the end of a link or of its URL.
var linkSafe = strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", " ", "%20", "\"", "%22", "'", "%27")

// Link returns a mrkdwn link to raw with the visible text label (escaped),
// or, when raw is not a safe http(s) URL, the label alone (escaped) and
// ok false, so the caller can add a note that the link was dropped. An
// empty label shows the URL.
func Link(raw, label string) (string, bool) {
	u, ok := SafeURL(raw)
	if !ok {
		if label == "" {
			label = raw
		}
		return Escape(label), false
	}
	if label == "" {
		return "<" + entityAmp(u) + ">", true
	}
	return "<" + entityAmp(u) + "|" + Escape(label) + ">", true
}

// entityAmp writes & in a URL as Slack stores it in message text.
func entityAmp(u string) string { return strings.ReplaceAll(u, "&", "&amp;") }

// Mention returns <@id> for a Slack user id, and anything else (a name
// from config, "opsbot") escaped as text.
func Mention(id string) string {
	if isID(id, "UW") {
		return "<@" + id + ">"
	}
	return Escape(id)
}

// ChannelRef returns <#id> for a Slack channel id, and anything else
// escaped as text.
func ChannelRef(id string) string {
	if isID(id, "CGD") {
		return "<#" + id + ">"
	}
	return Escape(id)
}

// GroupRef returns <!subteam^id> for a Slack user group id, else the
// escaped text.
func GroupRef(id string) string {
	if isID(id, "S") {
		return "<!subteam^" + id + ">"
	}
	return Escape(id)
}

// isID reports whether s looks like a Slack id starting with one of the
// given letters: upper-case letters and digits only.
func isID(s, first string) bool {
	if len(s) < 2 || len(s) > 24 || !strings.ContainsRune(first, rune(s[0])) {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// FallbackLayout is how Date writes a time for clients that cannot show
// <!date> (notifications, the console).
const FallbackLayout = "2006-01-02 15:04 MST"

// Date returns t as Slack's <!date> token, which every reader sees in
// their own zone ("Dec 4, 2026 at 18:00" or "today at 18:00"), with a
// fallback written in loc (nil: UTC) for clients that cannot render it.
func Date(t time.Time, loc *time.Location) string {
	return DateFormat(t, loc, "{date_short_pretty} {time}")
}

// DateFormat is Date with Slack's format tokens ({date}, {date_num},
// {date_short}, {date_long}, {date_pretty}, {time}, {time_secs}, {ago}).
func DateFormat(t time.Time, loc *time.Location, tokens string) string {
	if loc == nil {
		loc = time.UTC
	}
	fallback := Escape(t.In(loc).Format(FallbackLayout))
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), tokens, fallback)
}
