package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"opsbot/bot/args"
)

// Handler answers a request.
type Handler func(ctx context.Context, req *Request) (*Reply, error)

// Middleware wraps a handler; the router runs the chain around every
// command, click and submission, with req.Command already set.
type Middleware func(next Handler) Handler

// Command is one verb in the registry. Help, usage and suggestions are
// generated from these fields, so they never drift from behaviour.
type Command struct {
	// Verb is one or more words: "ping", "incident open".
	Verb string
	// Aliases are other spellings of the whole verb ("inc open").
	Aliases []string
	// Args describes the arguments: "<sev1..sev4> <title>".
	Args string
	// Summary is one line saying what the command is for.
	Summary string
	// Examples are full command lines.
	Examples []string
	// Role is the least role allowed to run it.
	Role Role
	// Handler does the work.
	Handler Handler
}

// Usage is the command's usage line.
func (c *Command) Usage() string {
	if c.Args == "" {
		return c.Verb
	}
	return c.Verb + " " + c.Args
}

// UsageError is the error for a wrongly used command: what was wrong, and
// the usage line.
func (c *Command) UsageError(format string, a ...any) *Error {
	msg := fmt.Sprintf(format, a...)
	return Errorf(CodeInvalid, "%s\nUsage: `%s` (see `help %s`)", msg, c.Usage(), c.Verb)
}

// Route sends button clicks or modal submissions to a handler. ID is an
// action_id or callback_id; an ID ending in "." matches every ID with that
// prefix.
type Route struct {
	ID      string
	Role    Role
	Handler Handler
}

// Router is the verb registry and dispatcher shared by every transport.
type Router struct {
	verbs      map[string]*Command // verbs and aliases, lower case
	commands   []*Command          // registration order
	groups     map[string]string   // first word -> group summary
	actions    map[string]Route
	views      map[string]Route
	middleware []Middleware
	prefix     string
}

// NewRouter returns an empty router. prefix is how people invoke opsbot in
// help text ("/ops"), empty for none.
func NewRouter(prefix string) *Router {
	return &Router{
		verbs:   map[string]*Command{},
		groups:  map[string]string{},
		actions: map[string]Route{},
		views:   map[string]Route{},
		prefix:  prefix,
	}
}

// Use appends middleware; the first added runs outermost.
func (r *Router) Use(m ...Middleware) { r.middleware = append(r.middleware, m...) }

// Register adds commands, refusing a verb or alias that is already taken.
func (r *Router) Register(cmds ...Command) error {
	for i := range cmds {
		c := cmds[i]
		if c.Handler == nil || strings.TrimSpace(c.Verb) == "" || c.Role == RoleNone {
			return fmt.Errorf("register %q: a command needs a verb, a handler and a role", c.Verb)
		}
		c.Verb = normalize(c.Verb)
		names := append([]string{c.Verb}, c.Aliases...)
		for _, n := range names {
			n = normalize(n)
			if prev, ok := r.verbs[n]; ok {
				return fmt.Errorf("command collision: tried to register %q, but %q already has it", n, prev.Verb)
			}
		}
		if err := r.groupClash(names); err != nil {
			return err
		}
		for _, n := range names {
			r.verbs[normalize(n)] = &c
		}
		r.commands = append(r.commands, &c)
	}
	return nil
}

// groupClash refuses a verb that is also the first word of a multi-word
// verb ("incident" beside "incident open"): what follows it would be
// ambiguous between arguments and a mistyped subcommand.
func (r *Router) groupClash(names []string) error {
	for _, n := range names {
		n = normalize(n)
		first, _, multi := strings.Cut(n, " ")
		for v := range r.verbs {
			vfirst, _, vmulti := strings.Cut(v, " ")
			if (multi && !vmulti && v == first) || (!multi && vmulti && vfirst == n) {
				return fmt.Errorf("command collision: %q and %q: a verb cannot also be the first word of other verbs", n, v)
			}
		}
	}
	return nil
}

// Describe gives a group of multi-word verbs ("incident") a summary for help.
func (r *Router) Describe(group, summary string) { r.groups[normalize(group)] = summary }

// RegisterAction routes button clicks by action_id.
func (r *Router) RegisterAction(routes ...Route) error { return register(r.actions, "action", routes) }

// RegisterView routes modal submissions by callback_id.
func (r *Router) RegisterView(routes ...Route) error { return register(r.views, "view", routes) }

func register(m map[string]Route, kind string, routes []Route) error {
	for _, rt := range routes {
		if rt.ID == "" || rt.Handler == nil || rt.Role == RoleNone {
			return fmt.Errorf("register %s %q: a route needs an id, a handler and a role", kind, rt.ID)
		}
		if _, ok := m[rt.ID]; ok {
			return fmt.Errorf("%s collision: %q is already registered", kind, rt.ID)
		}
		m[rt.ID] = rt
	}
	return nil
}

// Commands returns the registered commands sorted by verb.
func (r *Router) Commands() []*Command {
	out := append([]*Command(nil), r.commands...)
	sort.Slice(out, func(i, j int) bool { return out[i].Verb < out[j].Verb })
	return out
}

// Lookup finds the command for a verb or alias.
func (r *Router) Lookup(verb string) (*Command, bool) {
	c, ok := r.verbs[normalize(verb)]
	return c, ok
}

// Dispatch answers a request: a click, a submission or a command line.
func (r *Router) Dispatch(ctx context.Context, req *Request) (*Reply, error) {
	// Unknown buttons, forms and verbs still pass the middleware, so they
	// are counted, rate limited and audited like everything else; their
	// verb is fixed, so metrics get no label per stray id.
	switch {
	case req.Action != nil:
		rt, ok := match(r.actions, req.Action.ID)
		if !ok {
			err := Errorf(CodeNotFound, "this button (%s) is no longer handled by opsbot; run the command again for a fresh message", req.Action.ID)
			return r.run(ctx, req, &Command{Verb: "unknown action", Role: RoleViewer, Handler: fail(err)})
		}
		return r.run(ctx, req, &Command{Verb: req.Action.ID, Role: rt.Role, Handler: rt.Handler})
	case req.View != nil:
		rt, ok := match(r.views, req.View.CallbackID)
		if !ok {
			err := Errorf(CodeNotFound, "this form (%s) is unknown to opsbot or no longer handled by it; open it again from its command", req.View.CallbackID)
			return r.run(ctx, req, &Command{Verb: "unknown view", Role: RoleViewer, Handler: fail(err)})
		}
		return r.run(ctx, req, &Command{Verb: req.View.CallbackID, Role: rt.Role, Handler: rt.Handler})
	}
	cmd, rest, err := r.resolve(req.Text)
	if err != nil {
		return r.run(ctx, req, &Command{Verb: "unknown", Role: RoleViewer, Handler: fail(err)})
	}
	a, err := args.Parse(rest)
	if err != nil {
		return r.run(ctx, req, &Command{Verb: cmd.Verb, Role: cmd.Role, Handler: fail(cmd.UsageError("%s", err))})
	}
	req.Verb, req.Args = cmd.Verb, a
	return r.run(ctx, req, cmd)
}

func (r *Router) run(ctx context.Context, req *Request, cmd *Command) (*Reply, error) {
	req.Command = cmd
	h := cmd.Handler
	for i := len(r.middleware) - 1; i >= 0; i-- {
		h = r.middleware[i](h)
	}
	return h(ctx, req)
}

func fail(err error) Handler {
	return func(context.Context, *Request) (*Reply, error) { return nil, err }
}

func match(m map[string]Route, id string) (Route, bool) {
	if rt, ok := m[id]; ok {
		return rt, true
	}
	best := ""
	for k := range m {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(id, k) && len(k) > len(best) {
			best = k
		}
	}
	rt, ok := m[best]
	return rt, ok && best != ""
}

// resolve finds the longest registered verb at the start of text and
// returns the text after it.
func (r *Router) resolve(text string) (*Command, string, error) {
	text = strings.TrimSpace(text)
	if len(text) > args.MaxLen {
		return nil, "", Errorf(CodeInvalid, "that message is %d characters long; opsbot reads commands of up to %d", len(text), args.MaxLen)
	}
	if text == "" {
		text = "help"
	}
	words, ends := splitWords(text, 4)
	for n := len(words); n > 0; n-- {
		if c, ok := r.verbs[strings.ToLower(strings.Join(words[:n], " "))]; ok {
			return c, text[ends[n-1]:], nil
		}
	}
	if c := r.groupHelp(words); c != nil {
		return c, "", nil
	}
	return nil, "", r.unknown(words)
}

// groupHelp answers a verb group's name alone ("incident"), or followed
// by help, with the group's help, as `help incident` would.
func (r *Router) groupHelp(words []string) *Command {
	if len(words) == 0 || len(words) > 2 || len(words) == 2 && !strings.EqualFold(words[1], "help") {
		return nil
	}
	group := strings.ToLower(words[0])
	if len(r.group(group)) == 0 {
		return nil
	}
	return &Command{Verb: group, Summary: r.groups[group], Role: RoleViewer, Handler: func(context.Context, *Request) (*Reply, error) {
		return &Reply{Text: r.Help(group)}, nil
	}}
}

// splitWords returns up to max leading words of s and the byte offset just
// past each.
func splitWords(s string, max int) ([]string, []int) {
	var words []string
	var ends []int
	for i := 0; i < len(s) && len(words) < max; {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
			i++
		}
		if i > start {
			words = append(words, s[start:i])
			ends = append(ends, i)
		}
	}
	return words, ends
}

func normalize(v string) string { return strings.ToLower(strings.Join(strings.Fields(v), " ")) }
