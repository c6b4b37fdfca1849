package inventory

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseYAMLAssets reads opsbot's YAML asset file:
//
//	defaults: {env: prod, team: "@team-web"}   # optional, under every asset
//	assets:
//	  - {name: web-1, address: 10.0.0.11, role: web, groups: [web], labels: {dc: fra}}
//
// (a bare list of assets is read too). Every problem is reported with its
// line and field.
func parseYAMLAssets(file string, data []byte) ([]located, error) {
	ps := &problems{file: file}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file lists no assets
		}
		ps.add(yamlLine(err), "", "not valid YAML: %s", yamlMsg(err))
		return nil, ps.err()
	}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	var defaults Asset
	var list *yaml.Node
	switch body.Kind {
	case yaml.SequenceNode:
		list = body
	case yaml.MappingNode:
		for i := 0; i+1 < len(body.Content); i += 2 {
			k, v := body.Content[i], body.Content[i+1]
			switch k.Value {
			case "assets":
				if v.Kind != yaml.SequenceNode {
					ps.add(v.Line, "assets", "must be a list of assets (- name: …)")
					continue
				}
				list = v
			case "defaults":
				readFields(ps, v, "defaults", &defaults, true)
			default:
				ps.add(k.Line, k.Value, "unknown key%s", didYouMean(k.Value, []string{"assets", "defaults"}))
			}
		}
	default:
		ps.add(body.Line, "", "must hold assets: a list, or a mapping with assets (and defaults)")
	}
	var out []located
	if list != nil {
		for i, item := range list.Content {
			a := defaults.Clone()
			field := "assets[" + itoa(i) + "]"
			if item.Kind != yaml.MappingNode {
				ps.add(item.Line, field, "must be a mapping of fields (name: web-1, …)")
				continue
			}
			if !readFields(ps, item, field, &a, false) {
				continue
			}
			if a.Name == "" {
				ps.add(item.Line, field+".name", "required")
				continue
			}
			out = append(out, located{Asset: a, line: item.Line})
		}
	}
	return out, ps.err()
}

// readFields sets a's fields from mapping m; ok is false when one was
// wrong. In defaults, name may not be given.
func readFields(ps *problems, m *yaml.Node, path string, a *Asset, defaults bool) (ok bool) {
	if m.Kind != yaml.MappingNode {
		ps.add(m.Line, path, "must be a mapping of fields")
		return false
	}
	ok = true
	bad := func(line int, field, format string, args ...any) {
		ps.add(line, path+"."+field, format, args...)
		ok = false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Value == "name" && defaults:
			bad(k.Line, "name", "defaults cannot give a name")
		case k.Value == "labels":
			if v.Kind != yaml.MappingNode {
				bad(v.Line, "labels", "must be a mapping (dc: fra)")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				lk, lv := v.Content[j], v.Content[j+1]
				if lv.Kind != yaml.ScalarNode {
					bad(lv.Line, "labels."+lk.Value, "must be text")
				} else if err := a.SetLabel(lk.Value, lv.Value); err != nil {
					bad(lk.Line, "labels."+lk.Value, "%v", err)
				}
			}
		case k.Value == "groups" && v.Kind == yaml.SequenceNode:
			for _, g := range v.Content {
				if g.Kind != yaml.ScalarNode {
					bad(g.Line, "groups", "must be a list of names")
				} else if err := a.AddGroup(g.Value); err != nil {
					bad(g.Line, "groups", "%v", err)
				}
			}
		case !isField(k.Value):
			bad(k.Line, k.Value, "unknown field%s", didYouMean(k.Value, Fields))
		case v.Kind != yaml.ScalarNode:
			bad(v.Line, k.Value, "must be a single value")
		case v.Tag == "!!null": // ~ clears what defaults set
			_ = a.Set(k.Value, "")
		default:
			if err := a.Set(k.Value, v.Value); err != nil {
				bad(v.Line, k.Value, "%v", err)
			}
		}
	}
	return ok
}

// yamlLine digs the line out of a yaml.v3 syntax error ("yaml: line 3: …").
func yamlLine(err error) int {
	msg := err.Error()
	_, rest, ok := strings.Cut(msg, "line ")
	if !ok {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// yamlMsg is a yaml.v3 error without its "yaml: line N:" prefix.
func yamlMsg(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(msg, "line ") {
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			return rest
		}
	}
	return msg
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
