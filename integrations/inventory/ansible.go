package inventory

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Ansible reads an Ansible inventory, because that is what most teams
// already keep: an INI or YAML file (YAML for .yml, .yaml and .json), or
// a folder of them, with group_vars/<group>.yml and host_vars/<host>.yml
// beside it. Groups, children, host ranges (web[01:03]) and host and
// group vars count as Ansible counts them (all < parent < child < host).
//
// A host becomes an asset: ansible_host is its address, ansible_port and
// ansible_user (or ansible_ssh_port, ansible_ssh_user) how to log in, its
// groups (and their parents, but all and ungrouped) its groups.
// opsbot_<field> vars set fields (opsbot_warranty_end: 2027-03-31), as
// do plain vars named like a field (env, role, team, location, …); other
// scalar vars become labels; other ansible_ vars and lists or mappings
// are left out.
type Ansible struct {
	SourceName string
	Path       string
}

// Name implements Source.
func (s *Ansible) Name() string { return s.SourceName }

// Kind implements Source.
func (s *Ansible) Kind() string { return "ansible" }

// Load implements Source.
func (s *Ansible) Load(ctx context.Context) ([]Asset, error) {
	files, varDir, err := s.files()
	if err != nil {
		return nil, err
	}
	inv := newAnsibleInv()
	var errs Problems
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := readFile(f)
		if err != nil {
			errs = append(errs, Problem{File: f, Msg: err.Error()})
			continue
		}
		ps := &problems{file: f}
		if isYAMLInventory(f) {
			inv.parseYAML(ps, data)
		} else {
			inv.parseINI(ps, data)
		}
		errs = append(errs, ps.list...)
	}
	ps := &problems{}
	inv.readVarDirs(ps, varDir)
	errs = append(errs, ps.list...)
	assets := inv.assets(&errs)
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	return assets, nil
}

// Fingerprint implements Watched.
func (s *Ansible) Fingerprint() (string, error) {
	files, varDir, err := s.files()
	if err != nil {
		return "", err
	}
	for _, d := range []string{"group_vars", "host_vars"} {
		entries, _ := os.ReadDir(filepath.Join(varDir, d))
		for _, e := range entries {
			files = append(files, filepath.Join(varDir, d, e.Name()))
		}
	}
	return fingerprint(files)
}

// files lists the inventory files and the folder group_vars and host_vars
// are looked for in.
func (s *Ansible) files() ([]string, string, error) {
	st, err := os.Stat(s.Path)
	if err != nil {
		return nil, "", Problems{{File: s.Path, Msg: statProblem(err)}}
	}
	if !st.IsDir() {
		return []string{s.Path}, filepath.Dir(s.Path), nil
	}
	entries, err := os.ReadDir(s.Path)
	if err != nil {
		return nil, "", Problems{{File: s.Path, Msg: "cannot list the folder: " + err.Error()}}
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		switch strings.ToLower(filepath.Ext(n)) {
		case ".retry", ".md", ".txt", ".orig", ".bak", ".cfg", ".py", ".sh":
			continue // Ansible ignores these too (inventory_ignore_extensions)
		}
		out = append(out, filepath.Join(s.Path, n))
	}
	sort.Strings(out)
	return out, s.Path, nil
}

func isYAMLInventory(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml", ".json":
		return true
	}
	return false
}

// ansibleVar is one variable's value and where it was set.
type ansibleVar struct {
	value  string
	scalar bool
	file   string
	line   int
}

type ansibleGroup struct {
	name     string
	hosts    []string
	children []string
	vars     map[string]ansibleVar
	file     string
	line     int
}

type ansibleHost struct {
	name string
	vars map[string]ansibleVar
	file string
	line int
}

// ansibleInv is an inventory as read, before vars are resolved.
type ansibleInv struct {
	groups    map[string]*ansibleGroup
	hosts     map[string]*ansibleHost
	hostOrder []string
}

func newAnsibleInv() *ansibleInv {
	inv := &ansibleInv{groups: map[string]*ansibleGroup{}, hosts: map[string]*ansibleHost{}}
	inv.group("all", "", 0)
	inv.group("ungrouped", "", 0)
	return inv
}

func (inv *ansibleInv) group(name, file string, line int) *ansibleGroup {
	g, ok := inv.groups[name]
	if !ok {
		g = &ansibleGroup{name: name, vars: map[string]ansibleVar{}, file: file, line: line}
		inv.groups[name] = g
	}
	if g.file == "" {
		g.file, g.line = file, line
	}
	return g
}

// addHost puts host (and its vars) in group.
func (inv *ansibleInv) addHost(group, host, file string, line int, vars map[string]ansibleVar) {
	h, ok := inv.hosts[host]
	if !ok {
		h = &ansibleHost{name: host, vars: map[string]ansibleVar{}, file: file, line: line}
		inv.hosts[host] = h
		inv.hostOrder = append(inv.hostOrder, host)
	}
	maps.Copy(h.vars, vars)
	g := inv.group(group, file, line)
	if !slices.Contains(g.hosts, host) {
		g.hosts = append(g.hosts, host)
	}
}

func (inv *ansibleInv) addChild(parent, child, file string, line int) {
	p := inv.group(parent, file, line)
	inv.group(child, file, line)
	if !slices.Contains(p.children, child) {
		p.children = append(p.children, child)
	}
}

// readVarDirs reads group_vars/<group>.yml and host_vars/<host>.yml in dir.
func (inv *ansibleInv) readVarDirs(ps *problems, dir string) {
	for _, kind := range []string{"group_vars", "host_vars"} {
		entries, err := os.ReadDir(filepath.Join(dir, kind))
		if err != nil {
			continue
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yml" && ext != ".yaml" && ext != "") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			name := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
			path := filepath.Join(dir, kind, e.Name())
			data, err := readFile(path)
			if err != nil {
				ps.list = append(ps.list, Problem{File: path, Msg: err.Error()})
				continue
			}
			fps := &problems{file: path}
			vars := yamlVarsFile(fps, data)
			ps.list = append(ps.list, fps.list...)
			if kind == "group_vars" {
				g, ok := inv.groups[name]
				if !ok {
					ps.list = append(ps.list, Problem{File: path, Msg: fmt.Sprintf("no group %s in the inventory", name)})
					continue
				}
				for k, v := range vars {
					if _, set := g.vars[k]; !set { // the inventory's own group vars win
						g.vars[k] = v
					}
				}
			} else {
				h, ok := inv.hosts[name]
				if !ok {
					ps.list = append(ps.list, Problem{File: path, Msg: fmt.Sprintf("no host %s in the inventory", name)})
					continue
				}
				for k, v := range vars {
					if _, set := h.vars[k]; !set {
						h.vars[k] = v
					}
				}
			}
		}
	}
}

// depths is each group's depth below all (its longest way up), refusing
// cycles in children. A group without parents is a child of all.
func (inv *ansibleInv) depths(parents map[string][]string, errs *Problems) map[string]int {
	depth := map[string]int{"all": 0}
	visiting := map[string]bool{}
	var walk func(g string, path []string) int
	walk = func(g string, path []string) int {
		if d, ok := depth[g]; ok {
			return d
		}
		if visiting[g] {
			grp := inv.groups[g]
			way := append(slices.Clone(path), g) // walked up through parents
			slices.Reverse(way)
			*errs = append(*errs, Problem{File: grp.file, Line: grp.line, Field: "[" + g + ":children]",
				Msg: "a group is its own child: " + strings.Join(way, " → ")})
			return 0
		}
		visiting[g] = true
		d := 1
		for _, p := range parents[g] {
			d = max(d, walk(p, append(path, g))+1)
		}
		visiting[g] = false
		depth[g] = d
		return d
	}
	for _, name := range slices.Sorted(maps.Keys(inv.groups)) {
		walk(name, nil)
	}
	return depth
}

// assets resolves every host's groups and vars.
func (inv *ansibleInv) assets(errs *Problems) []Asset {
	parents := map[string][]string{}
	for _, g := range inv.groups {
		for _, c := range g.children {
			parents[c] = append(parents[c], g.name)
		}
	}
	for c := range parents {
		slices.Sort(parents[c])
	}
	var cycles Problems
	depth := inv.depths(parents, &cycles)
	if len(cycles) > 0 {
		*errs = append(*errs, cycles...)
		return nil
	}
	// direct groups of each host
	direct := map[string][]string{}
	for _, g := range inv.groups {
		for _, h := range g.hosts {
			direct[h] = append(direct[h], g.name)
		}
	}
	out := make([]Asset, 0, len(inv.hostOrder))
	for _, name := range inv.hostOrder {
		h := inv.hosts[name]
		member := map[string]bool{"all": true}
		var up func(g string)
		up = func(g string) {
			if member[g] {
				return
			}
			member[g] = true
			for _, p := range parents[g] {
				up(p)
			}
		}
		for _, g := range direct[name] {
			up(g)
		}
		groups := slices.Collect(maps.Keys(member))
		sort.Slice(groups, func(i, j int) bool {
			if depth[groups[i]] != depth[groups[j]] {
				return depth[groups[i]] < depth[groups[j]]
			}
			return groups[i] < groups[j]
		})
		vars := map[string]ansibleVar{}
		for _, g := range groups {
			maps.Copy(vars, inv.groups[g].vars)
		}
		maps.Copy(vars, h.vars)
		a, ps := ansibleAsset(h, groups, vars)
		*errs = append(*errs, ps...)
		out = append(out, a)
	}
	return out
}

// ansibleAsset turns a resolved host into an asset.
func ansibleAsset(h *ansibleHost, groups []string, vars map[string]ansibleVar) (Asset, Problems) {
	var ps Problems
	a := Asset{}
	bad := func(v ansibleVar, field, format string, args ...any) {
		ps = append(ps, Problem{File: v.file, Line: v.line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	host := ansibleVar{file: h.file, line: h.line}
	if err := a.Set("name", h.name); err != nil {
		bad(host, "host "+h.name, "%v", err)
	}
	for _, g := range groups {
		if g == "all" || g == "ungrouped" {
			continue
		}
		if err := a.AddGroup(g); err != nil {
			bad(host, "host "+h.name, "group %v", err)
		}
	}
	set := func(field, key string) {
		v, ok := vars[key]
		if !ok || !v.scalar {
			return
		}
		if err := a.Set(field, v.value); err != nil {
			bad(v, key, "host %s: %v", h.name, err)
		}
	}
	set("address", "ansible_ssh_host")
	set("address", "ansible_host")
	set("port", "ansible_ssh_port")
	set("port", "ansible_port")
	set("user", "ansible_ssh_user")
	set("user", "ansible_user")
	for _, f := range Fields {
		switch f {
		case "name", "groups", "labels", "address", "port", "user":
			continue
		}
		set(f, f)
		set(f, "opsbot_"+f)
	}
	if v, ok := vars["opsbot_groups"]; ok && v.scalar {
		if err := a.Set("groups", v.value); err != nil {
			bad(v, "opsbot_groups", "host %s: %v", h.name, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		v := vars[k]
		if !v.scalar || strings.HasPrefix(k, "ansible_") || strings.HasPrefix(k, "opsbot_") || isField(k) || reservedKey(k) {
			continue
		}
		if !labelKeyRe.MatchString(k) || len(v.value) > MaxValueLen || strings.ContainsAny(v.value, "\r\n\x00") || secretish(k, v.value) {
			continue // not label material: long, multi-line, or a secret
		}
		_ = a.SetLabel(k, v.value)
	}
	return a, ps
}

// secretish reports whether a var looks like a secret (a password, a
// token, a vaulted value), which must never become a label shown in chat.
func secretish(k, v string) bool {
	lk := strings.ToLower(k)
	for _, w := range []string{"pass", "secret", "token", "key", "credential", "vault", "private", "auth"} {
		if strings.Contains(lk, w) {
			return true
		}
	}
	return strings.HasPrefix(v, "$ANSIBLE_VAULT")
}
