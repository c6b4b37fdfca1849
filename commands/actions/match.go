package actions

import "slices"

// Matches reports whether the host carries every label of want, read as
// a label selector reads them (env, group or role, name, then labels);
// an empty want matches every host.
func (h Host) Matches(want map[string]string) bool {
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
