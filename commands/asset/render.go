package asset

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

// team shows an owning team: a user group, a channel or a person as
// Slack shows them, anything else (a handle like @team-web) as text.
func team(t string) string {
	switch {
	case t == "":
		return "nobody"
	case strings.HasPrefix(t, "S"):
		return blocks.GroupRef(t)
	case strings.HasPrefix(t, "C") || strings.HasPrefix(t, "G"):
		return blocks.ChannelRef(t)
	default:
		return blocks.Mention(t)
	}
}

// day writes a calendar date (a warranty's end) as written in the
// sources: a day, not an instant, so no reader's zone moves it.
func day(t time.Time) string { return t.UTC().Format(inventory.DateLayout) }

// when writes an instant (a check, an incident's start) as Slack's
// <!date>, which each reader sees in their own zone.
func (s *Service) when(t time.Time) string { return blocks.Date(t, s.loc) }

// daysUntil is "in 12 days", "today", "3 days ago".
func daysUntil(t, now time.Time) string {
	d := int(t.Sub(startOfDay(now)).Hours() / 24)
	switch {
	case d == 0:
		return "today"
	case d == 1:
		return "tomorrow"
	case d > 1:
		return fmt.Sprintf("in %d days", d)
	case d == -1:
		return "yesterday"
	default:
		return fmt.Sprintf("%d days ago", -d)
	}
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// words is a lifecycle state for people: "in service".
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// or is v, or dash when empty.
func or(v string) string {
	if v == "" {
		return "—"
	}
	return v
}

// listLine is one asset in a list: its name, env, role, address, team
// and state.
func (s *Service) listLine(a inventory.Asset) string {
	parts := []string{"*" + blocks.EscapeCut(a.Name, 80) + "*", blocks.EscapeCut(or(a.Env), 40), blocks.EscapeCut(or(a.Role), 40)}
	if a.Address != "" {
		parts = append(parts, blocks.EscapeCut(a.Address, 60))
	}
	if a.Team != "" {
		parts = append(parts, team(a.Team))
	}
	if a.State != "" && a.State != inventory.StateInService {
		parts = append(parts, words(string(a.State)))
	}
	if a.Monitored == inventory.MonitoredNo {
		parts = append(parts, "unmonitored")
	}
	return strings.Join(parts, " · ")
}

// sections packs lines into sections of at most Slack's 3,000 characters,
// at most max of them; left is how many lines did not fit.
func sections(lines []string, max int) (out []slack.Block, left int) {
	var cur strings.Builder
	n := 0 // characters in cur
	for i, l := range lines {
		l = blocks.Cut(l, blocks.MaxSectionText)
		ln := utf8.RuneCountInString(l)
		if n > 0 && n+1+ln > blocks.MaxSectionText {
			out = append(out, blocks.Section(cur.String()))
			cur.Reset()
			n = 0
		}
		if n == 0 && len(out) == max {
			return out, len(lines) - i
		}
		if n > 0 {
			cur.WriteByte('\n')
			n++
		}
		cur.WriteString(l)
		n += ln
	}
	if n > 0 {
		out = append(out, blocks.Section(cur.String()))
	}
	return out, 0
}

// plural is "1 asset", "3 assets".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
