package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"opsbot/bot"
	"opsbot/bot/blocks"
	"opsbot/bot/suggest"
	"opsbot/integrations/inventory"
)

// Resolver turns a selector typed in chat into hosts, with the inventory's
// selector syntax: a host name, a group name, or terms such as
// "role=web,env=prod", "env!=prod", `name=~"web-.*"`. It is the one seam
// between the domains and the inventory.
type Resolver interface {
	Resolve(ctx context.Context, selector string) ([]Host, error)
}

var _ Resolver = (*Catalogue)(nil)

// Inventory is where targets are looked up once opsbot has one;
// *inventory.Index is one.
type Inventory interface {
	Select(ctx context.Context, q inventory.Query) (inventory.Result, error)
	Names(ctx context.Context) (names, groups []string, err error)
	Values(ctx context.Context, key string) ([]string, error)
}

// UseInventory makes Resolve look targets up in inv (every source,
// actions.hosts among them) instead of in the configured hosts alone.
// Call it before the catalogue is used.
func (c *Catalogue) UseInventory(inv Inventory) { c.inv = inv }

// Source is actions.hosts as a source of the inventory, so that no config
// breaks: a host's role is its role label, else its first group; its owner
// label is its team.
func (c *Catalogue) Source() inventory.Source {
	assets := make([]inventory.Asset, 0, len(c.hosts))
	for _, h := range c.hosts {
		assets = append(assets, h.asset())
	}
	return &inventory.Static{SourceName: "actions", SourceKind: "actions", Assets: assets}
}

func (h Host) asset() inventory.Asset {
	a := inventory.Asset{Name: h.Name, Address: h.Address, Port: h.Port, User: h.User, Env: h.Env}
	for _, g := range h.Groups {
		_ = a.AddGroup(g)
	}
	for _, k := range slices.Sorted(maps.Keys(h.Labels)) {
		v := h.Labels[k]
		if slices.Contains(inventory.Fields, k) {
			_ = a.Set(k, v)
		} else if a.SetLabel(k, v) != nil {
			continue
		}
	}
	if a.Role == "" && len(h.Groups) > 0 {
		a.Role = h.Groups[0]
	}
	if a.Team == "" {
		a.Team = h.Labels["owner"]
	}
	return a
}

// Resolve implements Resolver: through the inventory once UseInventory
// was called, else over the configured hosts.
func (c *Catalogue) Resolve(ctx context.Context, selector string) ([]Host, error) {
	text := strings.TrimSpace(blocks.Unescape(selector))
	if text == "" {
		return nil, bot.Errorf(bot.CodeInvalid, "say which hosts: a host, a group or labels like role=web,env=prod")
	}
	sel, err := inventory.ParseSelector(text)
	if err != nil {
		return nil, bot.Errorf(bot.CodeInvalid, "%s", err.Error())
	}
	var assets []inventory.Asset
	if c.inv != nil {
		res, err := c.inv.Select(ctx, inventory.Query{Selector: sel})
		if errors.Is(err, inventory.ErrNotLoaded) {
			return nil, bot.Errorf(bot.CodeUnavailable, "the inventory has not been loaded yet; try again in a moment")
		}
		if err != nil {
			return nil, bot.Unavailable("the inventory", err)
		}
		assets = res.Assets
	} else {
		for _, h := range c.hosts {
			if a := h.asset(); sel.Match(&a) {
				assets = append(assets, a)
			}
		}
	}
	if len(assets) == 0 {
		return nil, c.noMatch(ctx, sel)
	}
	out := make([]Host, len(assets))
	for i, a := range assets {
		out[i] = c.host(a)
	}
	return out, nil
}

// host is an asset as actions run on it: the services it may run are its
// groups' (actions.groups) and those actions.hosts lists for it.
func (c *Catalogue) host(a inventory.Asset) Host {
	// The fields people select by stay readable as labels (team=db), as
	// they were on actions.hosts, for those who match hosts by labels.
	labels := maps.Clone(a.Labels)
	for k, v := range map[string]string{"role": a.Role, "team": a.Team, "oncall": a.OnCall, "location": a.Location, "os": a.OS} {
		if v == "" || labels[k] != "" {
			continue
		}
		if labels == nil {
			labels = map[string]string{}
		}
		labels[k] = v
	}
	h := Host{Name: a.Name, Address: a.Address, Port: a.Port, User: a.User, Env: a.Env, Groups: a.Groups, Labels: labels}
	svc := map[string]bool{}
	for _, g := range a.Groups {
		for _, s := range c.groups[g] {
			svc[s] = true
		}
	}
	for _, ch := range c.hosts {
		if ch.Name == a.Name {
			for _, s := range ch.Services {
				svc[s] = true
			}
		}
	}
	h.Services = slices.Sorted(maps.Keys(svc))
	return h
}

// noMatch says a selector matched nothing, suggesting near names: for a
// bare word the hosts and groups it is close to (or the groups), for a
// key=value term the values the key has.
func (c *Catalogue) noMatch(ctx context.Context, sel inventory.Selector) error {
	names, groups, err := c.names(ctx)
	if err != nil {
		return bot.Unavailable("the inventory", err)
	}
	if len(sel.Terms) == 1 && sel.Terms[0].Op == inventory.OpWord {
		w := sel.Terms[0].Value
		msg := "no host or group is called " + quote(w)
		if slices.Contains(groups, w) {
			return bot.Errorf(bot.CodeNotFound, "group %s has no hosts", quote(w))
		}
		if near := suggest.Near(w, append(names, groups...), 2, 5); len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, ", ") + "?"
		} else if len(groups) > 0 {
			msg += "; groups: " + strings.Join(firstN(groups, 20), ", ")
		}
		return bot.Errorf(bot.CodeNotFound, "%s", blocks.Escape(msg))
	}
	msg := "no host matches " + quote(sel.Text)
	for _, t := range sel.Terms {
		if t.Op != inventory.OpEqual && t.Op != inventory.OpWord {
			continue
		}
		var known []string
		switch {
		case t.Op == inventory.OpWord || t.Key == "name":
			known = append(names, groups...)
		default:
			known, err = c.values(ctx, t.Key)
			if err != nil {
				return bot.Unavailable("the inventory", err)
			}
		}
		if slices.Contains(known, t.Value) {
			continue
		}
		if near := suggest.Near(t.Value, known, 2, 5); len(near) > 0 {
			msg += fmt.Sprintf("; for %s, did you mean %s?", quote(t.Key+"="+t.Value), strings.Join(near, ", "))
		} else if t.Key != "" && t.Key != "name" && len(known) > 0 {
			msg += fmt.Sprintf("; %s is one of %s", t.Key, strings.Join(firstN(known, 10), ", "))
		}
	}
	return bot.Errorf(bot.CodeNotFound, "%s", blocks.Escape(msg))
}

func (c *Catalogue) names(ctx context.Context) (names, groups []string, err error) {
	if c.inv != nil {
		return c.inv.Names(ctx)
	}
	for _, h := range c.hosts {
		names = append(names, h.Name)
	}
	return names, c.GroupNames(), nil
}

func (c *Catalogue) values(ctx context.Context, key string) ([]string, error) {
	if c.inv != nil {
		return c.inv.Values(ctx, key)
	}
	set := map[string]bool{}
	for _, h := range c.hosts {
		a := h.asset()
		for _, v := range inventory.ValuesOf(&a, key) {
			set[v] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

func quote(s string) string { return "`" + strings.ReplaceAll(clip(s, 40), "`", "'") + "`" }
