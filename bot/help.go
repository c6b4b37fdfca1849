package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"opsbot/bot/suggest"
)

// HelpCommand returns the `help [verb]` command, built from the registry.
func (r *Router) HelpCommand() Command {
	return Command{
		Verb:     "help",
		Args:     "[verb]",
		Summary:  "List commands, or explain one",
		Examples: []string{"help", "help incident", "help incident open"},
		Role:     RoleViewer,
		Handler: func(_ context.Context, req *Request) (*Reply, error) {
			return &Reply{Text: r.Help(req.Args.Rest(0))}, nil
		},
	}
}

// Help renders help for a verb or group, or the overview when topic is "".
func (r *Router) Help(topic string) string {
	topic = normalize(topic)
	if topic == "" {
		return r.overview()
	}
	if c, ok := r.verbs[topic]; ok {
		return r.detail(c)
	}
	if sub := r.group(topic); len(sub) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "*%s*", topic)
		if s := r.groups[topic]; s != "" {
			fmt.Fprintf(&b, ": %s", s)
		}
		b.WriteString("\n")
		for _, c := range sub {
			fmt.Fprintf(&b, "• `%s` %s _(%s)_\n", c.Usage(), c.Summary, c.Role)
		}
		fmt.Fprintf(&b, "Type `help %s <command>` for details.", topic)
		return b.String()
	}
	return fmt.Sprintf("There is no command %q.%s Type `help` for the list.", topic, r.suggestText(strings.Fields(topic)))
}

func (r *Router) overview() string {
	var b strings.Builder
	b.WriteString("*opsbot commands*")
	if r.prefix != "" {
		fmt.Fprintf(&b, " (type them after `%s`, mention me, or DM me)", r.prefix)
	}
	b.WriteString("\n")
	seen := map[string]bool{}
	for _, c := range r.Commands() {
		first := strings.Fields(c.Verb)[0]
		if first != c.Verb {
			if seen[first] {
				continue
			}
			seen[first] = true
			sub := r.group(first)
			names := make([]string, 0, len(sub))
			for _, s := range sub {
				names = append(names, strings.TrimPrefix(s.Verb, first+" "))
			}
			summary := r.groups[first]
			if summary == "" {
				summary = "commands"
			}
			fmt.Fprintf(&b, "• `%s` %s: %s\n", first, summary, strings.Join(names, ", "))
			continue
		}
		fmt.Fprintf(&b, "• `%s` %s\n", c.Usage(), c.Summary)
	}
	b.WriteString("Type `help <command>` for details.")
	return b.String()
}

func (r *Router) detail(c *Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*: %s\nUsage: `%s`\nNeeds role: %s", c.Verb, c.Summary, c.Usage(), c.Role)
	if len(c.Aliases) > 0 {
		fmt.Fprintf(&b, "\nAliases: %s", strings.Join(c.Aliases, ", "))
	}
	for i, e := range c.Examples {
		if i == 0 {
			b.WriteString("\nExamples:")
		}
		fmt.Fprintf(&b, "\n• `%s`", e)
	}
	return b.String()
}

// group returns the commands whose verb starts with the word group.
func (r *Router) group(group string) []*Command {
	var out []*Command
	for _, c := range r.Commands() {
		if strings.HasPrefix(c.Verb, group+" ") {
			out = append(out, c)
		}
	}
	return out
}

// unknown builds the answer to a verb nobody registered.
func (r *Router) unknown(words []string) error {
	if len(words) > 0 {
		if sub := r.group(strings.ToLower(words[0])); len(sub) > 0 {
			msg := fmt.Sprintf("`%s` has no command %q.", strings.ToLower(words[0]), strings.Join(words[1:min(2, len(words))], " "))
			return Errorf(CodeInvalid, "%s%s Type `help %s` for its commands.", msg, r.suggestText(words), strings.ToLower(words[0]))
		}
	}
	shown := strings.Join(words[:min(2, len(words))], " ")
	return Errorf(CodeInvalid, "I don't know the command %q.%s Type `help` for the list.", shown, r.suggestText(words))
}

func (r *Router) suggestText(words []string) string {
	s := r.Suggest(words, 3)
	if len(s) == 0 {
		return ""
	}
	return " Did you mean `" + strings.Join(s, "`, `") + "`?"
}

// Suggest returns up to n registered verbs closest to what was typed.
func (r *Router) Suggest(words []string, n int) []string {
	type cand struct {
		verb string
		d    int
	}
	var cands []cand
	seen := map[string]bool{}
	for name, c := range r.verbs {
		k := len(strings.Fields(name))
		if k > len(words) || seen[c.Verb] {
			continue
		}
		typed := strings.ToLower(strings.Join(words[:k], " "))
		d := suggest.Distance(typed, name)
		limit := max(1, len([]rune(name))/3)
		if tf, trest, multi := strings.Cut(typed, " "); multi {
			if nf, nrest, _ := strings.Cut(name, " "); nf == tf {
				// Same group: judge the subcommand on its own length.
				d, limit = suggest.Distance(trest, nrest), max(1, len([]rune(nrest))/3)
			}
		}
		if d <= limit {
			seen[c.Verb] = true
			cands = append(cands, cand{c.Verb, d})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].verb < cands[j].verb
	})
	var out []string
	for _, c := range cands {
		if len(out) == n {
			break
		}
		out = append(out, c.verb)
	}
	return out
}
