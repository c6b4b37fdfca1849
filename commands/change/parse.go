package change

import (
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/args"
)

// Request is a parsed "<action> <args> on <target> [at <date> <time> [for
// <duration>]] -- <reason>".
type Request struct {
	Action     string
	Positional []string
	Named      map[string]string
	Selector   string
	Reason     string
	// At is the window's start as typed ("2026-12-02 02:00"), read in the
	// desk's time zone; empty runs the change at once on final approval.
	At string
	// For is the window's length; 0 means the configured default.
	For time.Duration
}

const requestForm = "`<action> <values> on <host|group|labels> [at YYYY-MM-DD HH:MM [for 1h]] -- <reason>`"

// ParseRequest splits the text of `change request`. The reason follows
// "--" or "—"; values may be positional or key=value; an optional window
// follows the target.
func ParseRequest(text string) (Request, error) {
	var r Request
	body, reason := splitReason(text)
	r.Reason = strings.TrimSpace(reason)
	a, err := args.Parse(body)
	if err != nil {
		return r, bot.Errorf(bot.CodeInvalid, "could not read that: %v", err)
	}
	toks := a.Tokens()
	isWord := func(i int, w string) bool {
		t := toks[i]
		return t.Kind == args.Word && !t.Quoted && t.Key == "" && strings.EqualFold(t.Value, w)
	}
	on := -1
	for i := range toks {
		if isWord(i, "on") {
			on = i
		}
	}
	if len(toks) == 0 || on < 1 || on+2 > len(toks) {
		return r, bot.Errorf(bot.CodeInvalid, "write it as %s", requestForm)
	}
	if tail := toks[on+2:]; len(tail) > 0 {
		if !isWord(on+2, "at") || (len(tail) != 3 && len(tail) != 5) || (len(tail) == 5 && !isWord(on+5, "for")) {
			return r, bot.Errorf(bot.CodeInvalid, "after the target only a window may follow: `at 2026-12-02 02:00 for 1h`; write it as %s", requestForm)
		}
		r.At = tail[1].Value + " " + tail[2].Value
		if len(tail) == 5 {
			d, err := time.ParseDuration(tail[4].Value)
			if err != nil || d <= 0 {
				return r, bot.Errorf(bot.CodeInvalid, "%q is not a window length; write it like 30m or 2h", tail[4].Value)
			}
			r.For = d
		}
	}
	r.Action = toks[0].Value
	if sel := toks[on+1]; sel.Key != "" {
		r.Selector = sel.Key + "=" + sel.Value // a label selector
	} else {
		r.Selector = sel.Value
	}
	r.Named = map[string]string{}
	for _, t := range toks[1:on] {
		if t.Key != "" {
			r.Named[t.Key] = t.Value
		} else {
			r.Positional = append(r.Positional, t.Value)
		}
	}
	return r, nil
}

func splitReason(text string) (string, string) {
	best := -1
	size := 0
	if i := strings.Index(text, "—"); i >= 0 {
		best, size = i, len("—")
	}
	for off := 0; ; {
		i := strings.Index(text[off:], "--")
		if i < 0 {
			break
		}
		i += off
		before := i == 0 || text[i-1] == ' '
		after := i+2 == len(text) || text[i+2] == ' '
		if before && after {
			if best < 0 || i < best {
				best, size = i, 2
			}
			break
		}
		off = i + 2
	}
	if best < 0 {
		return text, ""
	}
	return text[:best], text[best+size:]
}
