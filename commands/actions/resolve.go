package actions

import (
	"context"
	"slices"
	"strings"

	"opsbot/bot"
	"opsbot/bot/suggest"
)

// Resolver turns a selector typed in chat into hosts: a host name, a group
// name, or a label selector such as "role=web,env=prod". It is the one seam
// between the domains and the inventory, so a dynamic inventory can replace
// the configured one.
type Resolver interface {
	Resolve(ctx context.Context, selector string) ([]Host, error)
}

var _ Resolver = (*Catalogue)(nil)

// Resolve implements Resolver over the configured inventory. In a label
// selector env matches the host's env, group (or role) a group it is in,
// name its name, and any other key one of its labels.
func (c *Catalogue) Resolve(_ context.Context, selector string) ([]Host, error) {
	sel := strings.TrimSpace(selector)
	if sel == "" {
		return nil, bot.Errorf(bot.CodeInvalid, "say which hosts: a host, a group or labels like role=web,env=prod")
	}
	if strings.Contains(sel, "=") {
		return c.byLabels(sel)
	}
	for _, h := range c.hosts {
		if h.Name == sel {
			return []Host{h}, nil
		}
	}
	if _, ok := c.groups[sel]; ok {
		var out []Host
		for _, h := range c.hosts {
			if slices.Contains(h.Groups, sel) {
				out = append(out, h)
			}
		}
		if len(out) == 0 {
			return nil, bot.Errorf(bot.CodeNotFound, "group %s has no hosts", sel)
		}
		return out, nil
	}
	msg := "no host or group is called " + quote(sel)
	if near := c.near(sel); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	} else {
		msg += "; groups: " + strings.Join(c.GroupNames(), ", ")
	}
	return nil, bot.Errorf(bot.CodeNotFound, "%s", msg)
}

func (c *Catalogue) byLabels(sel string) ([]Host, error) {
	want := map[string]string{}
	for _, part := range strings.Split(sel, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" || v == "" {
			return nil, bot.Errorf(bot.CodeInvalid, "%s is not a label selector; write key=value pairs separated by commas, like role=web,env=prod", quote(sel))
		}
		want[k] = v
	}
	var out []Host
	for _, h := range c.hosts {
		if h.matches(want) {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return nil, bot.Errorf(bot.CodeNotFound, "no host matches %s", quote(sel))
	}
	return out, nil
}

func (h Host) matches(want map[string]string) bool {
	for k, v := range want {
		var ok bool
		switch k {
		case "env":
			ok = h.Env == v
		case "group", "role":
			ok = slices.Contains(h.Groups, v) || h.Labels[k] == v
		case "name":
			ok = h.Name == v
		default:
			ok = h.Labels[k] == v
		}
		if !ok {
			return false
		}
	}
	return true
}

// near lists up to five host and group names close to s.
func (c *Catalogue) near(s string) []string {
	var names []string
	for _, h := range c.hosts {
		names = append(names, h.Name)
	}
	names = append(names, c.GroupNames()...)
	var out []string
	ls := strings.ToLower(s)
	for _, n := range names {
		ln := strings.ToLower(n)
		if strings.Contains(ln, ls) || strings.Contains(ls, ln) || suggest.Distance(ls, ln) <= 2 {
			out = append(out, n)
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}

func quote(s string) string { return "`" + strings.ReplaceAll(clip(s, 40), "`", "'") + "`" }
