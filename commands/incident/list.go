package incident

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// ListLimit is how many incidents a list shows.
const ListLimit = 25

func (s *Service) cmdList(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	which, sets := "open", []string{}
	var sev Severity
	mine := false
	for _, t := range req.Args.Tokens() {
		w := strings.ToLower(t.Value)
		switch {
		case w == "open" || w == "resolved" || w == "all":
			which = w
		case w == "mine":
			mine = true
		default:
			v, err := ParseSeverity(w)
			if err != nil {
				return nil, req.Command.UsageError("%q is not a filter: use open, resolved or all, sev1 to sev4, and mine", t.Text())
			}
			sev = v
		}
	}
	sets = append(sets, s.st.set(which))
	if sev != 0 {
		sets = append(sets, s.st.sevSet(sev))
	}
	if mine {
		sets = append(sets, s.st.userSet(req.UserID))
	}
	total, incs, err := s.st.list(ctx, sets, ListLimit)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	var words []string
	if which != "all" {
		words = append(words, which)
	}
	if sev != 0 {
		words = append(words, sev.String())
	}
	desc := strings.Join(append(words, "incidents"), " ")
	if mine {
		desc += " you're in"
	}
	if total == 0 {
		return bot.Text(fmt.Sprintf("No %s.", desc)), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s: %d*", strings.ToUpper(desc[:1])+desc[1:], total)
	if total > int64(len(incs)) {
		fmt.Fprintf(&b, ", the newest %d", len(incs))
	}
	now := s.now()
	for _, i := range incs {
		fmt.Fprintf(&b, "\n%s *%s* %s · %s · opened %s", stateIcon[i.State], i.ID(), i.Severity, blocks.Escape(i.Title), elapsed(now, i.Created))
		switch {
		case i.State == StateResolved:
			fmt.Fprintf(&b, " · resolved after %s", fmtDur(i.ResolvedAt.Sub(i.Created)))
		case i.Commander != "":
			fmt.Fprintf(&b, " · commander %s", mention(i.Commander))
		case i.AckedBy != "":
			fmt.Fprintf(&b, " · acknowledged by %s", mention(i.AckedBy))
		default:
			b.WriteString(" · *not acknowledged*")
		}
	}
	return bot.Text(b.String()), nil
}

func (s *Service) cmdShow(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, idOnly)
	if err != nil {
		return nil, err
	}
	if req.Args.Len() > next {
		return nil, req.Command.UsageError("show takes only the incident id")
	}
	inc, events, err := s.st.loadWithTimeline(ctx, n)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if inc == nil {
		return nil, bot.Errorf(bot.CodeNotFound, "there is no incident %s", FormatID(n))
	}
	set := s.message(inc)
	if links := linked(events); len(links) > 0 {
		// Before the buttons: the linked alerts and changes.
		text := "*Linked:* " + blocks.Escape(strings.Join(links, ", "))
		set = append(set[:len(set)-1:len(set)-1], slack.NewSectionBlock(blocks.Mrkdwn(text), nil, nil), set[len(set)-1])
	}
	return &bot.Reply{Text: messageText(inc), Blocks: set}, nil
}

func (s *Service) cmdTimeline(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, idOnly)
	if err != nil {
		return nil, err
	}
	if req.Args.Len() > next {
		return nil, req.Command.UsageError("timeline takes only the incident id")
	}
	inc, events, err := s.st.loadWithTimeline(ctx, n)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if inc == nil {
		return nil, bot.Errorf(bot.CodeNotFound, "there is no incident %s", FormatID(n))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Timeline of %s* (%s)", inc.ID(), s.cfg.loc)
	for _, e := range events {
		fmt.Fprintf(&b, "\n`%s` %s %s", e.At.In(s.cfg.loc).Format("01-02 15:04:05"), mention(e.Who), describe(e, blocks.Escape, mention))
	}
	return bot.Text(b.String()), nil
}

// describe says what a timeline entry records; text escapes what people
// typed and who shows a user id.
func describe(e Event, text func(string) string, who func(string) string) string {
	switch e.What {
	case "open":
		return "opened it: " + text(e.Text)
	case "ack":
		return "acknowledged"
	case "resolve":
		if e.Text != "" {
			return "resolved: " + text(e.Text)
		}
		return "resolved"
	case "reopen":
		return "reopened"
	case "sev":
		return "changed the severity: " + text(e.Text)
	case "role":
		role, u, _ := strings.Cut(e.Text, ": ")
		return "made " + who(u) + " " + role
	case "note":
		return "noted: " + text(e.Text)
	case "status":
		return "posted a status update: " + text(e.Text)
	case "link":
		return "linked " + text(e.Text)
	case "page":
		users, page, _ := strings.Cut(e.Text, " (")
		if users == "" {
			return "paged nobody (" + page
		}
		var names []string
		for _, u := range strings.Split(users, ",") {
			names = append(names, who(u))
		}
		return "paged " + strings.Join(names, ", ") + " (" + page
	case "unreached":
		users, rest, _ := strings.Cut(e.Text, " (")
		var names []string
		for _, u := range strings.Split(users, ",") {
			names = append(names, who(u))
		}
		page, why, _ := strings.Cut(rest, "): ")
		page = strings.TrimSuffix(page, ")")
		out := "could not page " + strings.Join(names, ", ") + ": the DM failed (" + page + ")"
		if why != "" {
			out += ": " + text(why)
		}
		return out
	}
	return e.What + " " + text(e.Text)
}
