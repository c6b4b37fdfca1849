package actions

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"opsbot/bot"
	"opsbot/integrations/sshexec"
)

// Catalogue is the checked configuration: actions and hosts.
type Catalogue struct {
	hosts   []Host
	groups  map[string][]string
	actions map[string]*Action
	// inv, when set, is where Resolve looks targets up (UseInventory).
	inv Inventory
}

// New checks cfg and returns its catalogue; the error lists every problem.
func New(cfg Config) (*Catalogue, error) {
	cat, errs := cfg.compile()
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("actions config: %s", strings.Join(msgs, "; "))
	}
	return cat, nil
}

// Host is one machine of the inventory.
type Host struct {
	Name, Address string
	Port          int
	User          string
	Env           string
	Groups        []string
	// Services is the sorted allowlist for parameters of type service.
	Services []string
	Labels   map[string]string
}

// Target is how sshexec reaches the host.
func (h Host) Target() sshexec.Target {
	return sshexec.Target{Name: h.Name, Address: h.Address, Port: h.Port, User: h.User}
}

// Runs reports whether service is on the host's allowlist.
func (h Host) Runs(service string) bool {
	i := sort.SearchStrings(h.Services, service)
	return i < len(h.Services) && h.Services[i] == service
}

// Action is one entry of the catalogue.
type Action struct {
	Name     string
	Argv     []string
	Params   map[string]Param
	Risk     string
	Role     bot.Role
	Approval map[string]bool
	Summary  string
	// order is the parameters in the order argv first uses them, which
	// is the order positional arguments fill them.
	order []string
}

// ParamOrder returns the parameter names in positional order.
func (a *Action) ParamOrder() []string { return append([]string(nil), a.order...) }

// NeedsApproval reports whether running the action on hosts of env must be
// approved through a change request.
func (a *Action) NeedsApproval(env string) bool {
	if v, ok := a.Approval[env]; ok {
		return v
	}
	return a.Approval["*"]
}

// NeedsApprovalOn reports whether any of hosts needs approval.
func (a *Action) NeedsApprovalOn(hosts []Host) bool {
	for _, h := range hosts {
		if a.NeedsApproval(h.Env) {
			return true
		}
	}
	return false
}

// Usage is "restart <unit>" or "logs <unit> [lines]".
func (a *Action) Usage() string {
	parts := []string{a.Name}
	for _, n := range a.order {
		if a.Params[n].Default != "" {
			parts = append(parts, "["+n+"]")
		} else {
			parts = append(parts, "<"+n+">")
		}
	}
	return strings.Join(parts, " ")
}

// Action returns the named action.
func (c *Catalogue) Action(name string) (*Action, error) {
	if a, ok := c.actions[name]; ok {
		return a, nil
	}
	if len(c.ActionNames()) == 0 {
		return nil, bot.Errorf(bot.CodeNotFound, "there is no action %q: no actions are configured yet; an admin adds them under actions in the config (see config.example.yaml)", clip(name, 40))
	}
	return nil, bot.Errorf(bot.CodeNotFound, "there is no action %q; actions: %s", clip(name, 40), strings.Join(c.ActionNames(), ", "))
}

// ActionNames lists the catalogue's actions, sorted.
func (c *Catalogue) ActionNames() []string { return slices.Sorted(maps.Keys(c.actions)) }

// Hosts returns the inventory in config order.
func (c *Catalogue) Hosts() []Host { return append([]Host(nil), c.hosts...) }

// GroupNames lists the configured groups, sorted.
func (c *Catalogue) GroupNames() []string { return slices.Sorted(maps.Keys(c.groups)) }

// Param is one typed parameter of an action.
type Param struct {
	Name     string
	Type     string
	Min, Max int
	Values   []string
	Default  string
}

// MaxValueLen is the longest value any parameter accepts.
const MaxValueLen = 64

// check returns v when it is acceptable for the parameter on every one of
// hosts (hosts matter for type service only).
func (p Param) check(v string, hosts []Host) (string, error) {
	switch p.Type {
	case "int":
		if len(v) == 0 || len(v) > 9 || strings.Trim(v, "0123456789") != "" {
			return "", fmt.Errorf("%s must be a whole number from %d to %d, not %q", p.Name, p.Min, p.Max, clip(v, 20))
		}
		n, _ := strconv.Atoi(v)
		if n < p.Min || n > p.Max {
			return "", fmt.Errorf("%s must be from %d to %d, not %d", p.Name, p.Min, p.Max, n)
		}
		return strconv.Itoa(n), nil
	case "enum":
		for _, e := range p.Values {
			if v == e {
				return v, nil
			}
		}
		return "", fmt.Errorf("%s must be one of %s, not %q", p.Name, strings.Join(p.Values, ", "), clip(v, 20))
	case "service":
		if !WordRe.MatchString(v) {
			return "", fmt.Errorf("%s: %q is not a service name", p.Name, clip(v, 20))
		}
		for _, h := range hosts {
			if !h.Runs(v) {
				return "", fmt.Errorf("%s: %s does not run %s (it runs: %s)", p.Name, h.Name, v, strings.Join(h.Services, ", "))
			}
		}
		return v, nil
	default: // word
		if !WordRe.MatchString(v) {
			return "", fmt.Errorf("%s must be a single word of letters, digits and _.@:- (not starting with - , at most %d), not %q", p.Name, MaxValueLen, clip(v, 20))
		}
		return v, nil
	}
}

// clip shortens s for an error message; callers quote it with %q, which
// makes control characters visible.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
