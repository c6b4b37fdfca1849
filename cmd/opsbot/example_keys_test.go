package main

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestExampleConfigMentionsEveryKey walks the yaml keys of Config and fails
// for each one config.example.yaml mentions nowhere, neither as a key nor
// in a comment of its section (`# password: ...`). A key added to any
// section's Config without documenting it is caught here.
func TestExampleConfigMentionsEveryKey(t *testing.T) {
	src, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := parseExample(src)
	if err != nil {
		t.Fatal(err)
	}
	missing := ex.missingKeys(reflect.TypeFor[Config]())
	for _, m := range missing {
		t.Errorf("config.example.yaml does not mention %s: add it (commented out where it needs a real value) with a comment saying what it does", m)
	}
}

// TestExampleKeyCheckFindsMissingKeys: the walk names exactly the paths a
// small example leaves out, commented keys and inline comments counting.
func TestExampleKeyCheckFindsMissingKeys(t *testing.T) {
	type inner struct {
		Port    int    `yaml:"port"`
		User    string `yaml:"user"`
		Address string `yaml:"address"`
	}
	type item struct {
		Name  string            `yaml:"name"`
		Extra string            `yaml:"extra"`
		Tags  map[string]string `yaml:"tags"`
	}
	type section struct {
		Addr     string           `yaml:"addr"`
		Password string           `yaml:"password"`
		Agent    bool             `yaml:"use_agent"`
		Socket   string           `yaml:"agent_socket"`
		Bastion  *inner           `yaml:"bastion"`
		Items    []item           `yaml:"items"`
		ByName   map[string]inner `yaml:"by_name"`
		Skipped  string           `yaml:"-"`
	}
	type root struct {
		A section `yaml:"a"`
		B section `yaml:"b"`
	}
	src := `
a:
  addr: x           # or use_agent: true
  # password_file: /run/secrets/p
  # bastion: {address: b, port: 22}
  items:
    - {name: one, tags: {k: v}}
  by_name:
    x: {port: 1}
    y:
      port: 2
      # user: u
# A head comment of b, which must not count for a: agent_socket: /s
b:
  addr: y
  # bastion:
  #   user: u
  items: []
`
	ex, err := parseExample([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(ex.missingKeys(reflect.TypeFor[root]()), "\n")
	want := strings.Join([]string{
		"a.agent_socket", "a.bastion.user", "a.by_name.<name>.address", "a.items[].extra",
		"b.agent_socket", "b.bastion.address", "b.bastion.port", "b.by_name", "b.items[].extra", "b.items[].name",
		"b.items[].tags", "b.password", "b.use_agent",
	}, "\n")
	if got != want {
		t.Errorf("missing keys:\n%s\nwant:\n%s", got, want)
	}
}

// example is a parsed config.example.yaml: its nodes, and its lines for
// finding keys that are only mentioned in comments.
type example struct {
	root  *yaml.Node
	lines []string
}

// span is a range of lines (1-based, inclusive) where a key's block is.
type span struct{ from, to int }

func parseExample(src []byte) (*example, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parse example config: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("example config is empty")
	}
	return &example{root: doc.Content[0], lines: strings.Split(string(src), "\n")}, nil
}

// missingKeys lists the key paths of t that the example does not mention,
// sorted. Sequence items are written [] and map entries <name>.
func (e *example) missingKeys(t reflect.Type) []string {
	var missing []string
	e.walk(t, []*yaml.Node{e.root}, "", []span{{1, len(e.lines)}}, &missing)
	sort.Strings(missing)
	return missing
}

// walk checks the keys of t against nodes (every place the example gives
// a value of type t), or against the comments in spans (the lines of those
// places, or of a commented-out key) when there is none.
func (e *example) walk(t reflect.Type, nodes []*yaml.Node, path string, spans []span, missing *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		var items []*yaml.Node
		for _, n := range nodes {
			if n.Kind == yaml.SequenceNode {
				items = append(items, n.Content...)
			}
		}
		e.walk(t.Elem(), items, path+"[]", spans, missing)
	case reflect.Map:
		var values []*yaml.Node
		for _, n := range nodes {
			if n.Kind == yaml.MappingNode {
				for i := 1; i < len(n.Content); i += 2 {
					values = append(values, n.Content[i])
				}
			}
		}
		e.walk(t.Elem(), values, path+".<name>", spans, missing)
	case reflect.Struct:
		for _, f := range exampleFields(t) {
			p := strings.TrimPrefix(path+"."+f.name, ".")
			var children []*yaml.Node
			var childSpans []span
			for _, n := range nodes {
				if v, s, ok := e.child(n, f.name, e.spanOf(n, spans)); ok {
					children = append(children, v)
					childSpans = append(childSpans, s)
				}
			}
			if len(children) == 0 {
				for _, sp := range spans {
					if s, ok := e.commented(f.name, sp); ok {
						childSpans = append(childSpans, s)
					}
				}
				if len(childSpans) == 0 {
					*missing = append(*missing, p)
					continue
				}
			}
			e.walk(f.typ, children, p, childSpans, missing)
		}
	}
}

type exampleField struct {
	name string
	typ  reflect.Type
}

// exampleFields are a struct's yaml keys, as bot/config reads them.
func exampleFields(t reflect.Type) []exampleField {
	var out []exampleField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-":
			continue
		case strings.Contains(opts, "inline"):
			out = append(out, exampleFields(f.Type)...)
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		out = append(out, exampleField{name, f.Type})
	}
	return out
}

// spanOf is the span n lies in.
func (e *example) spanOf(n *yaml.Node, spans []span) span {
	for _, s := range spans {
		if s.from <= n.Line && n.Line <= s.to {
			return s
		}
	}
	return span{1, len(e.lines)}
}

// child finds key in mapping n and the lines of its block: from the key
// to the line before the next key, leaving out that key's head comment.
func (e *example) child(n *yaml.Node, key string, parent span) (*yaml.Node, span, bool) {
	if n.Kind != yaml.MappingNode {
		return nil, span{}, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value != key {
			continue
		}
		s := span{k.Line, parent.to}
		if n.Style&yaml.FlowStyle != 0 {
			s.to = k.Line
		} else if i+2 < len(n.Content) {
			next := n.Content[i+2]
			s.to = next.Line - 1
			for s.to > s.from && e.headOf(s.to, next.Column) {
				s.to--
			}
		}
		return n.Content[i+1], s, true
	}
	return nil, span{}, false
}

// headOf says whether line is blank or a comment no deeper than column,
// so it belongs to the key that follows it.
func (e *example) headOf(line, column int) bool {
	text := e.lines[line-1]
	trimmed := strings.TrimLeft(text, " ")
	return trimmed == "" || strings.HasPrefix(trimmed, "#") && len(text)-len(trimmed) < column
}

// commented finds key written as `key:` (or `key_file:`) in a comment
// within sp. The returned span is that line and the deeper comment lines
// under it, where the key's own keys would be.
func (e *example) commented(key string, sp span) (span, bool) {
	re := regexp.MustCompile(`(?:^|[\s{,#-])(` + regexp.QuoteMeta(key) + `)(?:_file)?:(?:\s|$)`)
	for l := sp.from; l <= sp.to && l <= len(e.lines); l++ {
		_, comment, ok := strings.Cut(e.lines[l-1], "#")
		if !ok {
			continue
		}
		m := re.FindStringSubmatchIndex(comment)
		if m == nil {
			continue
		}
		column := m[2] // of the key within the comment
		end := l
		for end < sp.to && end < len(e.lines) {
			next, isComment := strings.CutPrefix(strings.TrimLeft(e.lines[end], " "), "#")
			if !isComment || indent(next) <= column {
				break
			}
			end++
		}
		return span{l, end}, true
	}
	return span{}, false
}

func indent(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
