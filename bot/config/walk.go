package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"opsbot/bot/suggest"
)

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// secretWords mark keys whose values are secrets.
var secretWords = []string{"token", "password", "secret", "passphrase", "credentials", "api_key"}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// expand replaces ${VAR} and ${VAR:-default} in scalars, turns
// "<key>_file: path" into "<key>: <file contents>", and collects secrets.
//
// t is the Go type the node decodes into (nil when unknown): a key that is
// itself a field, such as ssh's key_file (a path), is left alone.
func (l *Loader) expand(d *Document, n *yaml.Node, path string, t reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			g := envRef.FindStringSubmatch(m)
			if v, ok := l.Getenv(g[1]); ok && v != "" {
				return v
			}
			if g[2] != "" {
				return g[3]
			}
			d.report.Problems = append(d.report.Problems, Problem{Path: path, Line: n.Line,
				Message: fmt.Sprintf("environment variable %s is not set (set it, or write ${%s:-default})", g[1], g[1])})
			return ""
		})
	case yaml.SequenceNode:
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i, c := range n.Content {
			l.expand(d, c, fmt.Sprintf("%s[%d]", path, i), elem)
		}
	case yaml.MappingNode:
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = yamlFields(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		for i := 0; i+1 < len(n.Content); {
			k, v := n.Content[i], n.Content[i+1]
			child := join(path, k.Value)
			ct := elem
			if fields != nil {
				ct = fields[k.Value]
			}
			l.expand(d, v, child, ct)
			_, isField := fields[k.Value]
			if strings.HasSuffix(k.Value, "_file") && !isField && v.Kind == yaml.ScalarNode && l.readFileKey(d, n, i, child) {
				continue // the pair at i was removed
			}
			k, v = n.Content[i], n.Content[i+1]
			if isSecretKey(k.Value) && v.Kind == yaml.ScalarNode && len(v.Value) >= 4 {
				d.secrets = append(d.secrets, v.Value)
			}
			i += 2
		}
	}
}

// readFileKey handles the pair at n.Content[i] whose key ends in _file:
// "<key>_file: path" becomes "<key>: <contents of path>". It reports
// whether it removed the pair from n.
func (l *Loader) readFileKey(d *Document, n *yaml.Node, i int, path string) bool {
	k, v := n.Content[i], n.Content[i+1]
	base := strings.TrimSuffix(k.Value, "_file")
	remove := func() bool { n.Content = append(n.Content[:i], n.Content[i+2:]...); return true }
	if v.Value == "" || v.Tag == "!!null" {
		return remove() // an empty *_file is the same as leaving it out
	}
	other := valueOf(n, base)
	if other != nil && other.Value != "" && other.Tag != "!!null" {
		d.report.Problems = append(d.report.Problems, Problem{Path: path, Line: k.Line,
			Message: fmt.Sprintf("set %s or %s_file, not both", base, base)})
		return remove()
	}
	data, err := l.ReadFile(v.Value)
	if err != nil {
		d.report.Problems = append(d.report.Problems, Problem{Path: path, Line: v.Line,
			Message: fmt.Sprintf("cannot read %s: %v", v.Value, unwrapPathError(err))})
		return remove()
	}
	secret := strings.TrimRight(string(data), "\r\n")
	if len(secret) >= 4 {
		d.secrets = append(d.secrets, secret)
	}
	if other != nil {
		other.Value, other.Tag, other.Style, other.Kind = secret, "!!str", 0, yaml.ScalarNode
		return remove()
	}
	k.Value = base
	n.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: secret, Line: v.Line, Column: v.Column}
	return false
}

func unwrapPathError(err error) error {
	if pe, ok := err.(interface{ Unwrap() error }); ok && pe.Unwrap() != nil {
		return pe.Unwrap()
	}
	return err
}

func valueOf(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func typeOf(v any) reflect.Type {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// strict reports keys the target type has no field for, with near-miss
// suggestions, since yaml.v3's Node.Decode cannot.
func (d *Document) strict(n *yaml.Node, path string, t reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || n == nil {
		return
	}
	// A custom unmarshaler may read other keys; structs that have one
	// still decode their fields by tag, so they are checked like the rest.
	if _, ok := reflect.New(t).Interface().(yaml.Unmarshaler); ok && t.Kind() != reflect.Struct {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			f, ok := fields[k.Value]
			if !ok {
				d.report.Problems = append(d.report.Problems, Problem{Path: join(path, k.Value), Line: k.Line,
					Message: "unknown key" + nearest(k.Value, fields)})
				continue
			}
			d.strict(n.Content[i+1], join(path, k.Value), f)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			d.strict(c, fmt.Sprintf("%s[%d]", path, i), t.Elem())
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.strict(n.Content[i+1], join(path, n.Content[i].Value), t.Elem())
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func nearest(key string, fields map[string]reflect.Type) string {
	best, bd := "", 4
	for f := range fields {
		if d := suggest.Distance(key, f); d < bd || d == bd && f < best {
			best, bd = f, d
		}
	}
	if best == "" || bd > len(key)/2 {
		keys := make([]string, 0, len(fields))
		for f := range fields {
			keys = append(keys, f)
		}
		return " (this section takes: " + strings.Join(sortStrings(keys), ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

var lineRe = regexp.MustCompile(`^line (\d+): (.*)$`)

func typeProblem(msg string) Problem {
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Message: m[2]}
	}
	return Problem{Message: msg}
}

// Line finds the line of a key path ("a.b[2].c"); 0 when absent.
func (d *Document) Line(path string) int {
	if d.root == nil {
		return 0
	}
	n := d.root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range splitPath(path) {
		if idx, ok := strings.CutPrefix(part, "["); ok {
			i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
			continue
		}
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part || n.Content[i].Value == part+"_file" {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		for seg != "" {
			i := strings.IndexByte(seg, '[')
			switch {
			case i < 0:
				out = append(out, seg)
				seg = ""
			case i == 0:
				j := strings.IndexByte(seg, ']')
				if j < 0 {
					out = append(out, seg)
					seg = ""
					continue
				}
				out = append(out, seg[:j+1])
				seg = seg[j+1:]
			default:
				out = append(out, seg[:i])
				seg = seg[i:]
			}
		}
	}
	return out
}

// pathAt finds the key path of the deepest value on line, for decoding
// errors that only carry a line.
func (d *Document) pathAt(n *yaml.Node, path string, line int) string {
	if line == 0 {
		return ""
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Line == line && v.Kind != yaml.ScalarNode {
				return join(path, k.Value)
			}
			if p := d.pathAt(v, join(path, k.Value), line); p != "" {
				return p
			}
			if k.Line == line {
				return join(path, k.Value)
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := d.pathAt(c, fmt.Sprintf("%s[%d]", path, i), line); p != "" {
				return p
			}
		}
	case yaml.ScalarNode:
		if n.Line == line {
			return path
		}
	}
	return ""
}
