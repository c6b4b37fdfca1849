package inventory

import (
	"bytes"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// parseYAML reads a YAML inventory into inv:
//
//	all:
//	  vars: {ntp_server: ntp.example.com}
//	  children:
//	    web:
//	      hosts:
//	        web[01:03].example.com:
//	        web-4: {ansible_host: 10.0.0.14}
//	    prod:
//	      children: {web: {}}
//	      vars: {env: prod}
func (inv *ansibleInv) parseYAML(ps *problems, data []byte) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if !errors.Is(err, io.EOF) {
			ps.add(yamlLine(err), "", "not valid YAML: %s", yamlMsg(err))
		}
		return
	}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	if body.Kind != yaml.MappingNode {
		ps.add(body.Line, "", "an inventory is a mapping of groups (all: {hosts: …, children: …})")
		return
	}
	for i := 0; i+1 < len(body.Content); i += 2 {
		k, v := body.Content[i], body.Content[i+1]
		if !NameRe.MatchString(k.Value) {
			ps.add(k.Line, k.Value, "%q is not a group name", cutText(k.Value))
			continue
		}
		inv.yamlGroup(ps, k.Value, k.Line, v, 0)
	}
}

// yamlGroup reads one group's hosts, vars and children.
func (inv *ansibleInv) yamlGroup(ps *problems, name string, line int, n *yaml.Node, depth int) {
	inv.group(name, ps.file, line)
	if n.Tag == "!!null" || (n.Kind == yaml.ScalarNode && n.Value == "") {
		return
	}
	if depth > 32 {
		ps.add(line, name, "groups nest deeper than 32")
		return
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, name, "a group is a mapping of hosts, vars and children")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "hosts":
			inv.yamlHosts(ps, name, v)
		case "vars":
			for key, val := range yamlVars(ps, name+".vars", v) {
				inv.groups[name].vars[key] = val
			}
		case "children":
			if v.Tag == "!!null" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				ps.add(v.Line, name+".children", "must be a mapping of groups")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				ck, cv := v.Content[j], v.Content[j+1]
				if !NameRe.MatchString(ck.Value) {
					ps.add(ck.Line, name+".children", "%q is not a group name", cutText(ck.Value))
					continue
				}
				inv.addChild(name, ck.Value, ps.file, ck.Line)
				inv.yamlGroup(ps, ck.Value, ck.Line, cv, depth+1)
			}
		default:
			ps.add(k.Line, name+"."+k.Value, "unknown key%s", didYouMean(k.Value, []string{"hosts", "vars", "children"}))
		}
	}
}

func (inv *ansibleInv) yamlHosts(ps *problems, group string, n *yaml.Node) {
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, group+".hosts", "must be a mapping of hosts (web-1: {ansible_host: …})")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		hosts, err := expandHosts(k.Value)
		if err != nil {
			ps.add(k.Line, group+".hosts", "%v", err)
			continue
		}
		vars := yamlVars(ps, group+".hosts."+k.Value, v)
		for _, h := range hosts {
			if !NameRe.MatchString(h) {
				ps.add(k.Line, group+".hosts", "%q is not a host name", cutText(h))
				break
			}
			inv.addHost(group, h, ps.file, k.Line, vars)
		}
	}
}

// yamlVars reads a mapping of vars; lists and mappings are kept as
// non-scalars (Ansible would use them; opsbot does not).
func yamlVars(ps *problems, path string, n *yaml.Node) map[string]ansibleVar {
	out := map[string]ansibleVar{}
	if n.Tag == "!!null" || (n.Kind == yaml.ScalarNode && n.Value == "") {
		return out
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, path, "vars must be a mapping (key: value)")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		val := ansibleVar{file: ps.file, line: v.Line, scalar: v.Kind == yaml.ScalarNode && v.Tag != "!!null"}
		if val.scalar {
			val.value = v.Value
		}
		out[k.Value] = val
	}
	return out
}

// yamlVarsFile reads a group_vars or host_vars file.
func yamlVarsFile(ps *problems, data []byte) map[string]ansibleVar {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if !errors.Is(err, io.EOF) {
			ps.add(yamlLine(err), "", "not valid YAML: %s", yamlMsg(err))
		}
		return nil
	}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	return yamlVars(ps, "", body)
}
