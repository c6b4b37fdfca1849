package change

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"opsbot/bot"
	"opsbot/bot/blocks"
)

// Commands returns the change verbs.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		{Verb: "change request", Args: "<action> <values> on <host|group|labels> [at YYYY-MM-DD HH:MM [for 1h]] -- <reason>", Role: bot.RoleResponder,
			Summary: "Ask to run a catalogued action, at once or in a window; approvers decide in the changes channel",
			Examples: []string{"change request restart nginx on web-prod -- roll out config fix", "change request logs nginx lines=50 on web-1 — check errors",
				"change request restart unit=nginx on web-1 at 2026-12-02 02:00 for 1h — kernel update"},
			Handler: s.handleRequest},
		{Verb: "change new", Role: bot.RoleResponder, Summary: "Open a form to request a change", Handler: s.handleNew},
		{Verb: "change approve", Args: "<CHG-n> [emergency: <reason>]", Role: s.pol.approverRole,
			Summary: "Approve a change (during a freeze only an admin, as an emergency)", Examples: []string{"change approve CHG-7", "change approve CHG-7 emergency: outage fix"},
			Handler: s.handleApprove},
		{Verb: "change reject", Args: "<CHG-n> <reason>", Role: s.pol.approverRole, Summary: "Reject a change with a reason", Handler: s.handleReject},
		{Verb: "change cancel", Args: "<CHG-n>", Role: bot.RoleResponder, Summary: "Withdraw your change request, or your approved change before its run starts", Handler: s.handleCancel},
		{Verb: "change show", Args: "<CHG-n>", Role: bot.RoleViewer, Summary: "Show a change and its plan", Handler: s.handleShow},
		{Verb: "change list", Args: "[pending|mine|recent]", Role: bot.RoleViewer, Summary: "List changes", Handler: s.handleList},
	}
}

// Actions returns the button routes: change.approve and change.reject,
// for changes.approver_role (approver unless configured).
func (s *Service) Actions() []bot.Route {
	return []bot.Route{
		{ID: "change.approve", Role: s.pol.approverRole, Handler: func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			msg, err := s.Approve(ctx, req.Action.Value, req.UserID, req.Role, "")
			if err != nil {
				return nil, err
			}
			return &bot.Reply{Text: msg, Visibility: bot.VisibleToRequester}, nil
		}},
		{ID: "change.reject", Role: s.pol.approverRole, Handler: func(_ context.Context, req *bot.Request) (*bot.Reply, error) {
			return &bot.Reply{View: rejectModal(req.Action.Value)}, nil
		}},
	}
}

// Views returns the modal routes: change.new and change.reject.
func (s *Service) Views() []bot.Route {
	return []bot.Route{
		{ID: "change.new", Role: bot.RoleResponder, Handler: s.submitNew},
		{ID: "change.reject", Role: s.pol.approverRole, Handler: func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			reason := strings.TrimSpace(req.View.Values["reason"]["reason"])
			if reason == "" {
				return &bot.Reply{ViewErrors: map[string]string{"reason": "Say why you reject it."}}, nil
			}
			msg, err := s.Reject(ctx, req.View.PrivateMetadata, req.UserID, req.Role, reason)
			if err != nil {
				return nil, err
			}
			return &bot.Reply{Text: msg, Visibility: bot.VisibleToRequester}, nil
		}},
	}
}

func (s *Service) handleRequest(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	r, err := ParseRequest(req.Args.Rest(0))
	if err != nil {
		return nil, req.Command.UsageError("%s", bot.UserMessage(err))
	}
	c, err := s.Request(ctx, r, req.UserID, req.Role, req.Channel)
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: requested(c), Visibility: bot.VisibleToRequester}, nil
}

func requested(c *Change) string {
	text := fmt.Sprintf("%s is requested and waits for approval in %s", c.ID, blocks.ChannelRef(c.Channel))
	if c.scheduled() {
		text += "; once approved it runs in its window, " + c.windowText()
	}
	return text + "."
}

// Request checks r against the catalogue and the requester's role,
// resolves its hosts and submits it.
func (s *Service) Request(ctx context.Context, r Request, user string, role bot.Role, channel string) (*Change, error) {
	a, err := s.d.Actions.Action(r.Action)
	if err != nil {
		return nil, err
	}
	if role < a.Role {
		return nil, bot.Errorf(bot.CodeForbidden, "%s needs the %s role; you have %s", a.Name, a.Role, role)
	}
	hosts, err := s.d.Resolver.Resolve(ctx, r.Selector)
	if err != nil {
		return nil, &fieldError{"target", err}
	}
	plan, err := a.Bind(r.Positional, r.Named, hosts)
	if err != nil {
		return nil, err
	}
	start, end, err := s.window(r)
	if err != nil {
		return nil, &fieldError{"window", err}
	}
	return s.Submit(ctx, Draft{Plan: plan, Selector: r.Selector, Requester: user, Reason: r.Reason, Channel: channel, WindowStart: start, WindowEnd: end})
}

func (s *Service) handleApprove(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	id := req.Args.Arg(0)
	rest := strings.TrimSpace(req.Args.Rest(1))
	emergency := ""
	if rest != "" {
		r, ok := strings.CutPrefix(rest, "emergency:")
		if !ok || strings.TrimSpace(r) == "" {
			return nil, req.Command.UsageError("to approve during a freeze write `change approve %s emergency: <reason>`", id)
		}
		emergency = strings.TrimSpace(r)
	}
	msg, err := s.Approve(ctx, id, req.UserID, req.Role, emergency)
	if err != nil {
		return nil, err
	}
	return bot.Text(msg), nil
}

func (s *Service) handleReject(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	msg, err := s.Reject(ctx, req.Args.Arg(0), req.UserID, req.Role, strings.TrimSpace(req.Args.Rest(1)))
	if err != nil {
		return nil, err
	}
	return bot.Text(msg), nil
}

func (s *Service) handleCancel(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	msg, err := s.Cancel(ctx, req.Args.Arg(0), req.UserID, req.Role)
	if err != nil {
		return nil, err
	}
	return bot.Text(msg), nil
}

func (s *Service) handleShow(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c, err := s.load(ctx, req.Args.Arg(0))
	if err != nil {
		return nil, err
	}
	m := s.message(c)
	return &bot.Reply{Text: m.Text, Blocks: m.Blocks, Visibility: bot.VisibleToRequester}, nil
}

func (s *Service) handleList(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	which := strings.ToLower(req.Args.Arg(0))
	var ids []string
	var err error
	switch which {
	case "", "pending":
		which = "pending"
		ids, err = s.st.pending(ctx)
	case "mine":
		ids, err = s.st.latest(ctx, s.st.mineKey(req.UserID), 20)
	case "recent":
		ids, err = s.st.latest(ctx, s.st.recentKey(), 20)
	default:
		return nil, req.Command.UsageError("list pending, mine or recent, not %q", which)
	}
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	if len(ids) == 0 {
		return bot.Text("No " + which + " changes."), nil
	}
	var b strings.Builder
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if err != nil {
			continue
		}
		when := ""
		if c.scheduled() {
			when = " · window " + c.windowText()
		}
		fmt.Fprintf(&b, "%s *%s* %s · %s%s · by %s\n", stateIcon[c.State], c.ID, blocks.Escape(c.title()[len(c.ID)+1:]), strings.ReplaceAll(c.State, "_", " "), when, blocks.Mention(c.Requester))
	}
	return &bot.Reply{Text: strings.TrimSuffix(b.String(), "\n"), Visibility: bot.VisibleToRequester}, nil
}

// HomeSection is the App Home section "changes awaiting my approval".
func (s *Service) HomeSection(ctx context.Context, userID string) ([]slack.Block, error) {
	ids, err := s.st.pending(ctx)
	if err != nil {
		return nil, bot.Unavailable("the state store", err)
	}
	var b strings.Builder
	for _, id := range ids {
		c, err := s.st.get(ctx, id)
		if err != nil || !c.open() || c.Requester == userID || c.approvedBy(userID) || !s.now().Before(c.Expires) {
			continue
		}
		fmt.Fprintf(&b, "*%s* %s · %s risk · by %s · %s\n", c.ID, blocks.Escape(c.title()[len(c.ID)+1:]), blocks.Escape(c.Risk), blocks.Mention(c.Requester), blocks.Escape(c.Reason))
	}
	text := strings.TrimSuffix(b.String(), "\n")
	if text == "" {
		text = "No changes await your approval."
	}
	return []slack.Block{blocks.Header("Changes awaiting approval"), blocks.Section(text)}, nil
}
