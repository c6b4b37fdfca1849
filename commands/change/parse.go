package change

import (
	"strings"

	"opsbot/bot"
	"opsbot/bot/args"
)

// Request is a parsed "<action> <args> on <target> -- <reason>".
type Request struct {
	Action     string
	Positional []string
	Named      map[string]string
	Selector   string
	Reason     string
}

// ParseRequest splits the text of `change request`. The reason follows
// "--" or "—"; values may be positional or key=value.
func ParseRequest(text string) (Request, error) {
	var r Request
	body, reason := splitReason(text)
	r.Reason = strings.TrimSpace(reason)
	a, err := args.Parse(body)
	if err != nil {
		return r, bot.Errorf(bot.CodeInvalid, "could not read that: %v", err)
	}
	toks := a.Tokens()
	on := -1
	for i, t := range toks {
		if t.Kind == args.Word && !t.Quoted && t.Key == "" && strings.EqualFold(t.Value, "on") {
			on = i
		}
	}
	if len(toks) == 0 || on < 1 || on != len(toks)-2 {
		return r, bot.Errorf(bot.CodeInvalid, "write it as `<action> <values> on <host|group|labels> -- <reason>`")
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
