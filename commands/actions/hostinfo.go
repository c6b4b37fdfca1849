package actions

import "slices"

// Members lists the names of the hosts in group, for `status <group>`;
// ok is false when no host is in it.
func (c *Catalogue) Members(group string) ([]string, bool) {
	var out []string
	for _, h := range c.hosts {
		if slices.Contains(h.Groups, group) {
			out = append(out, h.Name)
		}
	}
	return out, len(out) > 0
}

// Owner is the owner label of the host named (or addressed) host, shown
// on its alerts.
func (c *Catalogue) Owner(host string) (string, bool) {
	for _, h := range c.hosts {
		if h.Name == host || h.Address == host {
			o, ok := h.Labels["owner"]
			return o, ok && o != ""
		}
	}
	return "", false
}
