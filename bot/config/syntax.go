package config

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxWalk bounds how many line prefixes syntaxProblem parses to find
// where the YAML stops making sense, and maxWalkSize the file it does it
// for: past them yaml.v3's line is kept.
const (
	maxWalk     = 400
	maxWalkSize = 64 << 10
)

var (
	yamlLineRe = regexp.MustCompile(`^line (\d+): (.*)$`)
	lineKeyRe  = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)\s*:(?:\s|$)`)
)

// syntaxProblem turns yaml.v3's syntax error into a problem at the line
// where the YAML stops making sense, with the key there and what to
// write instead. yaml.v3 names the line of the enclosing block (or no
// line at all, for a tab on the first), so the line is found again: it
// follows the longest prefix of the file that still parses.
func syntaxProblem(data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	reported := 0
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		reported, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	lines := strings.SplitAfter(string(data), "\n")
	bad, good := reported, (*yaml.Node)(nil)
	from, top := max(reported-1, 0), len(lines)
	if len(data) > maxWalkSize {
		top = from
	}
	if top > from+maxWalk {
		top = from + maxWalk
		if _, ok := parses(strings.Join(lines[:top], "")); ok {
			top = from // the problem lies beyond the walk: keep yaml.v3's line
		}
	}
	for n := top - 1; n >= from; n-- {
		if root, ok := parses(strings.Join(lines[:n], "")); ok {
			bad, good = n+1, root
			break
		}
	}
	if bad == 0 || bad > len(lines) { // yaml.v3 also breaks lines at a lone \r
		return Problem{Line: bad, Message: "not valid YAML: " + msg}
	}
	text := strings.TrimRight(lines[bad-1], "\r\n")
	path, under := keyOnLine(good, text, bad)
	advice := syntaxAdvice(msg, text)
	if under != "" && !strings.Contains(advice, "tab") {
		advice = fmt.Sprintf("this line is indented under `%s:`, which already has a value: line it up with the other keys of its section, or quote a value that holds \": \"", under)
	}
	return Problem{Line: bad, Path: path, Message: "not valid YAML: " + msg + "; " + advice}
}

// parses reports whether src is YAML, with its tree.
func parses(src string) (*yaml.Node, bool) {
	var root yaml.Node
	if err := yaml.NewDecoder(strings.NewReader(src)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, false
	}
	return &root, true
}

// syntaxAdvice says what to write instead of the line text.
func syntaxAdvice(msg, text string) string {
	indent := text[:len(text)-len(strings.TrimLeft(text, " \t"))]
	switch {
	case strings.Contains(indent, "\t") || strings.Contains(msg, "tab"):
		return "a tab indents this line, and YAML indents with spaces only: replace it with spaces (two per level)"
	case strings.Contains(msg, "mapping values are not allowed"):
		return "a value here holds another `key: value`: quote the value (e.g. comment: \"a: b\"), or check the line's indentation"
	case strings.Contains(msg, "expected ',' or ']'"):
		return "a [ list opened here is not closed: write it as [a, b], or as one `- item` per line"
	case strings.Contains(msg, "expected ',' or '}'"):
		return "a { section opened here is not closed: write it as {a: 1, b: 2}"
	case strings.Contains(msg, "end of stream"), strings.Contains(msg, "quoted scalar"):
		return "a quoted value opened here is not closed: end it with the same quote on this line"
	case strings.Contains(msg, "cannot start any token"):
		return "a value cannot start with this character (such as @ or `): quote it, e.g. owner: \"@team-web\""
	case strings.Contains(msg, "expected key"), strings.Contains(msg, "indicator"), strings.Contains(msg, "not allowed in this context"), strings.Contains(msg, "expected node content"):
		return "this line is not indented like the lines around it: line a key up with the other keys of its section (e.g. two spaces under the section's name)"
	}
	return "check this line's indentation and quoting"
}

// keyOnLine is the key path of the line text at line bad, read from the
// tree good of the lines before it: the sections it is indented under,
// and its own key. under is the key it is indented under although that
// key has a value of its own ("" when none).
func keyOnLine(good *yaml.Node, text string, bad int) (path, under string) {
	indent := len(text) - len(strings.TrimLeft(text, " \t"))
	if good != nil {
		n := good
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		path, under = enclosing(n, "", bad, indent)
	}
	if m := lineKeyRe.FindStringSubmatch(text); m != nil && under == "" {
		return join(path, m[1]), ""
	}
	return path, under
}

// enclosing is the path of the innermost section above line whose key
// is indented less than indent; under is set when that key holds a
// value, so the line cannot belong to it.
func enclosing(n *yaml.Node, path string, line, indent int) (string, string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := len(n.Content) - 2; i >= 0; i -= 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Line >= line {
				continue
			}
			if k.Column-1 >= indent {
				return path, ""
			}
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value == "" {
				return join(path, k.Value), "" // a section whose keys the line was to start
			}
			if v.Kind == yaml.ScalarNode {
				return join(path, k.Value), k.Value
			}
			return enclosing(v, join(path, k.Value), line, indent)
		}
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			c := n.Content[i]
			if c.Line >= line {
				continue
			}
			if c.Column-3 < indent { // the item's "- " is left of the line
				return enclosing(c, fmt.Sprintf("%s[%d]", path, i), line, indent)
			}
			return path, ""
		}
	}
	return path, ""
}
