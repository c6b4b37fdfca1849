package monitor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/alertmanager"
)

func (s *Service) silenceCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needAM(); err != nil {
		return nil, err
	}
	matchText, rest := splitMatchers(strings.TrimSpace(req.Args.Rest(0)))
	durText, comment, _ := strings.Cut(strings.TrimSpace(rest), " ")
	comment = strings.TrimSpace(comment)
	if matchText == "" || durText == "" || comment == "" {
		return nil, req.Command.UsageError("give matchers, a duration and a comment saying why")
	}
	ms, err := alertmanager.ParseMatchers(matchText)
	if err != nil {
		return nil, req.Command.UsageError("I could not read the matchers: %v", err)
	}
	d, err := parseDuration(durText)
	if err != nil {
		return nil, req.Command.UsageError("%v", err)
	}
	if max := time.Duration(s.cfg.MaxSilence); d > max {
		return nil, bot.Errorf(bot.CodeInvalid, "silences may last at most %s here; %s is longer. Silence for less and extend it later if needed.", fmtDuration(max), durText)
	}
	until := s.now().Add(d)
	id, err := s.d.Alertmanager.CreateSilence(ctx, alertmanager.Silence{Matchers: ms, EndsAt: until, CreatedBy: req.UserID, Comment: comment})
	if err != nil {
		return nil, s.amError("create the silence", err)
	}
	s.record(ctx, req, "silence.create", fmt.Sprintf("%s for %s: %s", alertmanager.Matchers(ms), d, id), "ok")
	return &bot.Reply{Visibility: bot.VisibleInChannel, Text: fmt.Sprintf(":no_bell: %s silenced %s until %s — %s\nSilence id %s (end it with `unsilence %s`)",
		blocks.Mention(req.UserID), blocks.Inline(alertmanager.Matchers(ms).String()), blocks.Date(until, s.loc), blocks.Escape(comment), blocks.Inline(id), blocks.Escape(id))}, nil
}

// splitMatchers separates a matcher list from what follows: a braced list
// up to its closing brace, or else everything up to the first space
// outside double quotes.
func splitMatchers(s string) (matchers, rest string) {
	inQuote, escaped, depth := false, false, 0
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && inQuote:
			escaped = true
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '{':
			depth++
		case r == '}':
			depth--
			if depth == 0 {
				return s[:i+1], s[i+1:]
			}
		case (r == ' ' || r == '\t') && depth == 0:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func (s *Service) silencesCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needAM(); err != nil {
		return nil, err
	}
	all, err := s.d.Alertmanager.ListSilences(ctx, nil)
	if err != nil {
		return nil, s.amError("list silences", err)
	}
	var live []alertmanager.Silence
	for _, sl := range all {
		if sl.Status.State != alertmanager.SilenceExpired {
			live = append(live, sl)
		}
	}
	if len(live) == 0 {
		return bot.Text("No active or pending silences."), nil
	}
	sort.Slice(live, func(i, j int) bool { return live[i].EndsAt.Before(live[j].EndsAt) })
	var b strings.Builder
	fmt.Fprintf(&b, ":no_bell: *%s*\n", blocks.Count(len(live), "silence"))
	for i, sl := range live {
		if i == maxAlertLines {
			fmt.Fprintf(&b, "… and %d more\n", len(live)-i)
			break
		}
		fmt.Fprintf(&b, "• %s %s until %s by %s — %s", blocks.Inline(sl.ID), blocks.Escape(alertmanager.Matchers(sl.Matchers).String()), blocks.Date(sl.EndsAt, s.loc), blocks.Mention(sl.CreatedBy), blocks.EscapeCut(sl.Comment, 150))
		if sl.Status.State == alertmanager.SilencePending {
			b.WriteString(" (pending)")
		}
		b.WriteString("\n")
	}
	return bot.Text(strings.TrimRight(b.String(), "\n")), nil
}

func (s *Service) unsilenceCmd(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if err := s.needAM(); err != nil {
		return nil, err
	}
	id := req.Args.Arg(0)
	if id == "" || req.Args.Len() > 1 {
		return nil, req.Command.UsageError("give one silence id (see `silences`)")
	}
	if err := s.d.Alertmanager.ExpireSilence(ctx, id); err != nil {
		if errors.Is(err, alertmanager.ErrNotFound) {
			return nil, bot.Errorf(bot.CodeNotFound, "there is no silence %s; `silences` lists them", id)
		}
		return nil, s.amError("expire the silence", err)
	}
	s.record(ctx, req, "silence.expire", id, "ok")
	s.forgetSilence(ctx, id)
	return &bot.Reply{Visibility: bot.VisibleInChannel, Text: fmt.Sprintf(":bell: %s ended silence %s.", blocks.Mention(req.UserID), blocks.Inline(id))}, nil
}

// forgetSilence clears the silence from the alert message that made it,
// if a button did.
func (s *Service) forgetSilence(ctx context.Context, silenceID string) {
	k := s.st.key("monitor", "silence", silenceID)
	gid, err := s.st.rdb.GetDel(ctx, k).Result()
	if err != nil || gid == "" {
		return
	}
	if g, err := s.st.load(ctx, gid); err == nil && g.Silence != nil && g.Silence.ID == silenceID {
		if err := s.st.setJSON(ctx, gid, "silence", nil); err != nil {
			s.log.Warn("clear silence from alert message", "err", err)
		}
		s.st.untrackSilence(ctx, gid)
	}
}
