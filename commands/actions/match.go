package actions

// Matches reports whether the host carries every label of want, read as
// a label selector reads them (env, group or role, name, then labels);
// an empty want matches every host.
func (h Host) Matches(want map[string]string) bool { return h.matches(want) }
