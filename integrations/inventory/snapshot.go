package inventory

import (
	"slices"
	"strings"
)

// Snapshot is one whole inventory as this replica last merged it. It is
// never changed once made: a reload makes a new one and swaps it in.
type Snapshot struct {
	assets    []Asset // sorted by name
	byName    map[string]int
	byHost    map[string]int // lower-case name and address
	conflicts []Conflict
	digest    string
}

func newSnapshot(assets []Asset, conflicts []Conflict) *Snapshot {
	s := &Snapshot{assets: assets, byName: make(map[string]int, len(assets)), byHost: make(map[string]int, 2*len(assets)),
		conflicts: conflicts, digest: digest(assets)}
	for i := range assets {
		s.byName[assets[i].Name] = i
		s.byHost[strings.ToLower(assets[i].Name)] = i
	}
	for i := range assets {
		if a := strings.ToLower(assets[i].Address); a != "" {
			if _, taken := s.byHost[a]; !taken {
				s.byHost[a] = i
			}
		}
	}
	return s
}

// Len is the number of assets.
func (s *Snapshot) Len() int { return len(s.assets) }

// Assets returns copies of every asset, by name.
func (s *Snapshot) Assets() []Asset {
	out := make([]Asset, len(s.assets))
	for i := range s.assets {
		out[i] = s.assets[i].Clone()
	}
	return out
}

// Get returns the asset called name.
func (s *Snapshot) Get(name string) (Asset, bool) {
	i, ok := s.byName[name]
	if !ok {
		return Asset{}, false
	}
	return s.assets[i].Clone(), true
}

// ByHost returns the asset whose name or address is host (without case,
// as alert labels write it).
func (s *Snapshot) ByHost(host string) (Asset, bool) {
	i, ok := s.byHost[strings.ToLower(host)]
	if !ok {
		return Asset{}, false
	}
	return s.assets[i].Clone(), true
}

// Select returns the assets sel picks, by name.
func (s *Snapshot) Select(sel Selector) []Asset {
	var out []Asset
	for i := range s.assets {
		if sel.Match(&s.assets[i]) {
			out = append(out, s.assets[i].Clone())
		}
	}
	return out
}

// Groups lists every group, sorted.
func (s *Snapshot) Groups() []string {
	seen := map[string]bool{}
	for i := range s.assets {
		for _, g := range s.assets[i].Groups {
			seen[g] = true
		}
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// Names lists every asset name, sorted.
func (s *Snapshot) Names() []string {
	out := make([]string, len(s.assets))
	for i := range s.assets {
		out[i] = s.assets[i].Name
	}
	return out
}

// Conflicts are the names several sources list.
func (s *Snapshot) Conflicts() []Conflict { return slices.Clone(s.conflicts) }

// Digest fingerprints the assets' content.
func (s *Snapshot) Digest() string { return s.digest }
