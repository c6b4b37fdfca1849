// Package rbac decides who may do what: config maps Slack user ids and
// user-group handles to roles, and a middleware checks every command,
// click and submission against the role its registration demands.
package rbac

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"opsbot/bot"
)

// Config maps people to roles. Keys of Users are Slack user ids (U123);
// keys of Groups are user-group handles without the @ (sre-oncall).
type Config struct {
	DefaultRole string            `yaml:"default_role"`
	Users       map[string]string `yaml:"users"`
	Groups      map[string]string `yaml:"groups"`
}

// GroupResolver tells which user groups (by handle) a user belongs to.
type GroupResolver interface {
	GroupsOf(ctx context.Context, userID string) ([]string, error)
}

// Policy answers role questions.
type Policy struct {
	def      bot.Role
	users    map[string]bot.Role
	groups   map[string]bot.Role
	resolver GroupResolver
	log      *slog.Logger
}

// Validate lists every problem in the config, each as "<key>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	if c.DefaultRole != "" {
		if _, err := bot.ParseRole(c.DefaultRole); err != nil {
			errs = append(errs, fmt.Errorf("default_role: %w", err))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(c.Users)) {
		if !strings.HasPrefix(id, "U") && !strings.HasPrefix(id, "W") {
			errs = append(errs, fmt.Errorf("users.%s: not a Slack user id (they look like U0123ABCD; find it in the person's profile, ⋮ → Copy member ID)", id))
		}
		if _, err := bot.ParseRole(c.Users[id]); err != nil {
			errs = append(errs, fmt.Errorf("users.%s: %w", id, err))
		}
	}
	for _, g := range slices.Sorted(maps.Keys(c.Groups)) {
		if strings.HasPrefix(g, "@") {
			errs = append(errs, fmt.Errorf("groups.%s: write the handle without @", g))
		}
		if _, err := bot.ParseRole(c.Groups[g]); err != nil {
			errs = append(errs, fmt.Errorf("groups.%s: %w", g, err))
		}
	}
	return errs
}

// New builds a policy; resolver may be nil when no groups are configured.
func New(cfg Config, resolver GroupResolver, log *slog.Logger) (*Policy, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("rbac config: %w", errs[0])
	}
	p := &Policy{def: bot.RoleViewer, users: map[string]bot.Role{}, groups: map[string]bot.Role{}, resolver: resolver, log: log}
	if cfg.DefaultRole != "" {
		p.def, _ = bot.ParseRole(cfg.DefaultRole)
	}
	for u, r := range cfg.Users {
		p.users[u], _ = bot.ParseRole(r)
	}
	for g, r := range cfg.Groups {
		p.groups[strings.TrimPrefix(g, "@")], _ = bot.ParseRole(r)
	}
	return p, nil
}

// RoleOf returns the highest role user holds directly, through a group, or
// by default. A failure to look up groups falls back to the other sources.
func (p *Policy) RoleOf(ctx context.Context, userID string) bot.Role {
	role := p.def
	if r, ok := p.users[userID]; ok && r > role {
		role = r
	}
	if len(p.groups) == 0 || p.resolver == nil {
		return role
	}
	groups, err := p.resolver.GroupsOf(ctx, userID)
	if err != nil {
		p.log.Warn("look up user groups for RBAC", "user", userID, "err", err)
		return role
	}
	for _, g := range groups {
		if r, ok := p.groups[g]; ok && r > role {
			role = r
		}
	}
	return role
}

// Holders names who holds at least role min: users as Slack mentions,
// groups as @handles.
func (p *Policy) Holders(min bot.Role) []string {
	var out []string
	for _, u := range slices.Sorted(maps.Keys(p.users)) {
		if p.users[u] >= min {
			out = append(out, "<@"+u+">")
		}
	}
	for _, g := range slices.Sorted(maps.Keys(p.groups)) {
		if p.groups[g] >= min {
			out = append(out, "@"+g)
		}
	}
	return out
}

// Middleware sets req.Role and refuses requests below the command's role.
func (p *Policy) Middleware() bot.Middleware {
	return func(next bot.Handler) bot.Handler {
		return func(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
			req.Role = p.RoleOf(ctx, req.UserID)
			need := req.Command.Role
			if req.Role >= need {
				return next(ctx, req)
			}
			who := "nobody is configured to hold it; an admin can add people under rbac in the config"
			if h := p.Holders(need); len(h) > 0 {
				who = "ask " + strings.Join(h, ", ")
			}
			return nil, bot.Errorf(bot.CodeForbidden, "`%s` needs the %s role and you are %s; %s.", req.Command.Verb, need, article(req.Role), who)
		}
	}
}

func article(r bot.Role) string {
	if r == bot.RoleAdmin || r == bot.RoleApprover || r == bot.RoleOperator {
		return "an " + r.String()
	}
	return "a " + r.String()
}
