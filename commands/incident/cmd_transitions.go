package incident

import (
	"context"
	"fmt"
	"strconv"

	"opsbot/bot"
	"opsbot/bot/args"
	"opsbot/bot/blocks"
)

func (s *Service) cmdAck(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, idOnly)
	if err != nil {
		return nil, err
	}
	if req.Args.Len() > next {
		return nil, req.Command.UsageError("ack takes only the incident id")
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "ack", actor: req.UserID})
	if err != nil {
		return nil, err
	}
	return s.done(inc, fmt.Sprintf("%s acknowledged by %s.", inc.ID(), mention(req.UserID))), nil
}

func (s *Service) cmdResolve(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, textFollows)
	if err != nil {
		return nil, err
	}
	summary := req.Args.Rest(next)
	inc, err := s.run(ctx, n, transitionArgs{op: "resolve", actor: req.UserID, arg: summary})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("%s resolved by %s after %s.", inc.ID(), mention(req.UserID), fmtDur(inc.ResolvedAt.Sub(inc.Created)))
	return s.done(inc, text+fmt.Sprintf(" `incident postmortem %s` drafts the postmortem.", inc.ID())), nil
}

func (s *Service) cmdReopen(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, idOnly)
	if err != nil {
		return nil, err
	}
	if req.Args.Len() > next {
		return nil, req.Command.UsageError("reopen takes only the incident id")
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "reopen", actor: req.UserID})
	if err != nil {
		return nil, err
	}
	return s.done(inc, fmt.Sprintf("%s reopened by %s; it needs acknowledging again.", inc.ID(), mention(req.UserID))), nil
}

func (s *Service) cmdSev(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, idOnly)
	if err != nil {
		return nil, err
	}
	if req.Args.Len() != next+1 {
		return nil, req.Command.UsageError("give the new severity, sev1 to sev4")
	}
	sev, err := ParseSeverity(req.Args.Arg(next))
	if err != nil {
		return nil, req.Command.UsageError("%v", err)
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "sev", actor: req.UserID, arg: strconv.Itoa(int(sev))})
	if err != nil {
		return nil, err
	}
	return s.done(inc, fmt.Sprintf("%s is now %s.", inc.ID(), inc.Severity)), nil
}

func (s *Service) cmdRole(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, idOnly)
	if err != nil {
		return nil, err
	}
	if req.Args.Len() != next+2 {
		return nil, req.Command.UsageError("give a role (commander, comms or ops) and a person")
	}
	role := req.Args.Arg(next)
	if role != "commander" && role != "comms" && role != "ops" {
		return nil, req.Command.UsageError("%q is not a role: use commander, comms or ops", role)
	}
	user, err := userArg(req, next+1)
	if err != nil {
		return nil, err
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "role", actor: req.UserID, arg: role, arg2: user, users: []string{user}})
	if err != nil {
		return nil, err
	}
	return s.done(inc, fmt.Sprintf("%s is now %s of %s.", mention(user), role, inc.ID())), nil
}

// userArg reads a person: a mention, a user id, or "me".
func userArg(req *bot.Request, i int) (string, error) {
	t := req.Args.At(i)
	w := t.Value
	switch {
	case t.Kind == args.User:
		return t.Value, nil
	case w == "me":
		return req.UserID, nil
	case len(w) > 2 && (w[0] == 'U' || w[0] == 'W' || w[0] == '@'):
		w = trimAt(w)
		if isUserID(w) {
			return w, nil
		}
	}
	return "", req.Command.UsageError("%q is not a person: mention them (@name), give their user id (U0123ABCD), or say me", t.Text())
}

func trimAt(s string) string {
	if len(s) > 0 && s[0] == '@' {
		return s[1:]
	}
	return s
}

func isUserID(s string) bool {
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (s *Service) cmdNote(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, textFollows)
	if err != nil {
		return nil, err
	}
	text := req.Args.Rest(next)
	if text == "" {
		return nil, req.Command.UsageError("write the note after the incident id")
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "note", actor: req.UserID, arg: text})
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: fmt.Sprintf("Noted in the timeline of %s.", inc.ID()), Visibility: bot.VisibleToRequester}, nil
}

func (s *Service) cmdStatus(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	n, next, err := s.target(ctx, req, 0, textFollows)
	if err != nil {
		return nil, err
	}
	text := req.Args.Rest(next)
	if text == "" {
		return nil, req.Command.UsageError("write the status update after the incident id")
	}
	inc, err := s.run(ctx, n, transitionArgs{op: "status", actor: req.UserID, arg: text})
	if err != nil {
		return nil, err
	}
	posted := s.postStatus(ctx, inc, req.UserID, text)
	return &bot.Reply{Text: fmt.Sprintf("Status update of %s posted to %s.", inc.ID(), blocks.Count(posted, "channel")), Visibility: bot.VisibleToRequester}, nil
}

// postStatus posts a status update in the incident's thread in the
// channel it was opened in, and in its own channel.
func (s *Service) postStatus(ctx context.Context, i *Incident, user, text string) int {
	msg := fmt.Sprintf(":mega: *%s status update* (%s, %s) from %s:\n%s", i.ID(), i.Severity, stateText(i), mention(user), blocks.Escape(text))
	posted := 0
	for _, m := range i.Messages {
		thread := m.TS
		if m.Channel == i.IncChannel {
			thread = "" // its own channel: the update belongs in the channel
		}
		if _, err := s.chat.Post(ctx, bot.Message{Channel: m.Channel, Thread: thread, Text: msg}); err != nil {
			s.log.Warn("post status update", "incident", i.ID(), "channel", m.Channel, "err", err)
			continue
		}
		posted++
	}
	return posted
}
