package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// cmdLink records an alert or a change as related to an incident, for
// `show` and the postmortem: `incident link INC-42 CHG-7`,
// `incident link INC-42 change CHG-7`, `incident link INC-42 alert
// CheckoutLatencyHigh`. The id is the INC- form only, since what follows
// is text; in the incident's thread or channel it may be left out.
func (s *Service) cmdLink(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, textFollows)
	if err != nil {
		return nil, err
	}
	kind, what, err := linkArgs(req.Args.Arg(next), req.Args.Rest(next+1))
	if err != nil {
		return nil, req.Command.UsageError("%v", err)
	}
	if kind == "change" {
		if err := s.checkChange(ctx, what); err != nil {
			return nil, err
		}
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "link", actor: req.UserID, arg: kind + " " + what})
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: fmt.Sprintf("Linked %s %s to %s; `incident show %s` and its postmortem list it.", kind, blocks.Escape(what), inc.ID(), inc.ID()),
		Visibility: bot.VisibleToRequester}, nil
}

// checkChange refuses to link a change that does not exist.
func (s *Service) checkChange(ctx context.Context, id string) error {
	if s.changes == nil {
		return nil
	}
	ok, err := s.changes.Exists(ctx, id)
	if err != nil {
		return bot.Unavailable("the state store", err)
	}
	if !ok {
		return bot.Errorf(bot.CodeNotFound, "there is no change %s, so there is nothing to link; `change list recent` shows the changes there are", id)
	}
	return nil
}

// linkArgs reads what to link: a change id (CHG-7, with or without the
// word transitionArgs) or the word alert and the alert's name.
func linkArgs(first, rest string) (kind, what string, err error) {
	switch strings.ToLower(first) {
	case "":
		return "", "", fmt.Errorf("say what to link: a change (CHG-7) or an alert (alert <name>)")
	case "alert":
		if rest == "" {
			return "", "", fmt.Errorf("give the alert's name after alert")
		}
		return "alert", rest, nil
	case "change":
		if id, ok := changeID(rest); ok {
			return "change", id, nil
		}
		return "", "", fmt.Errorf("%q is not a change id like CHG-7", rest)
	}
	if id, ok := changeID(first); ok && rest == "" {
		return "change", id, nil
	}
	return "", "", fmt.Errorf("%q is not something to link: give a change id (CHG-7) or alert <name>", strings.TrimSpace(first+" "+rest))
}

// changeID reads "CHG-7" in any case.
func changeID(s string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(u, "CHG-") {
		return "", false
	}
	n, err := strconv.ParseInt(u[4:], 10, 64)
	if err != nil || n <= 0 || strings.HasPrefix(u[4:], "+") {
		return "", false
	}
	return "CHG-" + strconv.FormatInt(n, 10), true
}

// linked lists the distinct links of a timeline, in order.
func linked(events []Event) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range events {
		if e.What == "link" && !seen[e.Text] {
			seen[e.Text] = true
			out = append(out, e.Text)
		}
	}
	return out
}
