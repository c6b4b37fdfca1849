package asset

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/integrations/inventory"
)

// maxConflicts and maxProblemLines bound what asset sources lists.
const (
	maxConflicts    = 15
	maxProblemLines = 8
)

func (s *Service) cmdSources(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	st := s.d.Inventory.Status()
	var lines []string
	for _, src := range st.Sources {
		lines = append(lines, s.sourceLine(src))
	}
	if st.Prometheus != nil {
		lines = append(lines, s.sourceLine(*st.Prometheus))
	}
	head := fmt.Sprintf("*%s from %s*, in precedence order (the first to list a name wins)", plural(st.Assets, "asset"), plural(len(st.Sources), "source"))
	b := []slack.Block{blocks.Section(head)}
	secs, _ := sections(lines, 20)
	b = append(b, secs...)
	if len(st.Conflicts) > 0 {
		var cl []string
		for _, c := range st.Conflicts[:min(len(st.Conflicts), maxConflicts)] {
			cl = append(cl, fmt.Sprintf("• *%s*: %s is used; left out from %s", blocks.EscapeCut(c.Name, 100), blocks.Escape(c.Winner), blocks.EscapeCut(strings.Join(c.Losers, ", "), 300)))
		}
		if n := len(st.Conflicts) - maxConflicts; n > 0 {
			cl = append(cl, fmt.Sprintf("… and %d more names", n))
		}
		b = append(b, blocks.Section(fmt.Sprintf("*%s listed by several sources*\n", plural(len(st.Conflicts), "name"))+strings.Join(cl, "\n")))
	}
	var foot []string
	if st.Generation > 0 {
		foot = append(foot, fmt.Sprintf("Redis index: generation %d", st.Generation))
		if !st.Published.IsZero() {
			foot[0] += " published " + s.when(st.Published) + " by this replica"
		}
	}
	if st.PublishErr != nil {
		foot = append(foot, ":warning: publishing to Redis failed; it is retried: "+blocks.EscapeCut(st.PublishErr.Error(), 300))
	}
	if imp, ok, err := s.index.Imported().Last(ctx); err == nil && ok {
		foot = append(foot, fmt.Sprintf("Last import: %s (%s) by %s, %s", blocks.EscapeCut(imp.File, 100), plural(imp.Assets, "asset"), blocks.Mention(imp.By), s.when(imp.At)))
	}
	if len(foot) > 0 {
		b = append(b, blocks.Context(foot...))
	}
	return &bot.Reply{Text: head, Blocks: b}, nil
}

// sourceLine is one source's state: what it gave, or what is wrong.
func (s *Service) sourceLine(src inventory.SourceStatus) string {
	name := fmt.Sprintf("*%s* (%s)", blocks.EscapeCut(src.Name, 80), blocks.Escape(src.Kind))
	what := "assets"
	if src.Kind == "prometheus" {
		what = "targets"
	}
	switch {
	case src.Tried.IsZero():
		return ":hourglass: " + name + ": not read yet"
	case src.Err == nil:
		return fmt.Sprintf(":white_check_mark: %s: %d %s, read %s", name, src.Assets, what, s.when(src.Loaded))
	}
	probs := strings.Split(src.Err.Error(), "\n")
	kept := "nothing read well yet, so it gives no assets"
	if !src.Loaded.IsZero() {
		kept = fmt.Sprintf("its last good %d %s (read %s) are in use", src.Assets, what, s.when(src.Loaded))
	}
	text := fmt.Sprintf(":warning: %s: not read %s; %s. %s:", name, s.when(src.Tried), kept, plural(len(probs), "problem"))
	shown := probs[:min(len(probs), maxProblemLines)]
	if len(probs) > maxProblemLines {
		shown = append(shown, fmt.Sprintf("… and %d more (all in opsbot's log)", len(probs)-maxProblemLines))
	}
	return text + "\n" + blocks.Code(strings.Join(shown, "\n"), 1500)
}
