// Package config loads opsbot's YAML configuration strictly: unknown keys
// are errors, ${ENV} references are expanded, every key may instead be read
// from a file named by <key>_file, and every problem is reported at once
// with its key path and line. It knows nothing of what the keys mean.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong (or, for warnings, doubtful) in a config.
type Problem struct {
	Path    string // key path: "slack.bot_token", "oncall.schedules[0].zone"
	Line    int    // 0 when unknown
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Report is everything found wrong with a config.
type Report struct {
	File     string
	Problems []Problem // criticals: the config cannot be used
	Warnings []Problem // doubts: it can, but probably not as meant
}

// OK reports whether there are no critical problems.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Error makes a Report with problems usable as an error.
func (r *Report) Error() string { return r.String() }

// String lists every problem and warning, one a line.
func (r *Report) String() string {
	var b strings.Builder
	name := r.File
	if name == "" {
		name = "config"
	}
	byLine := func(ps []Problem) []Problem {
		out := append([]Problem(nil), ps...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
		return out
	}
	fmt.Fprintf(&b, "%s: %s, %s\n", name, plural(len(r.Problems), "problem"), plural(len(r.Warnings), "warning"))
	for _, p := range byLine(r.Problems) {
		fmt.Fprintf(&b, "  error: %s\n", p)
	}
	for _, p := range byLine(r.Warnings) {
		fmt.Fprintf(&b, "  warning: %s\n", p)
	}
	return b.String()
}

func plural(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

// Loader reads configs. Getenv and ReadFile are replaceable for tests.
type Loader struct {
	Getenv   func(string) (string, bool)
	ReadFile func(string) ([]byte, error)
}

// Document is a loaded config: the YAML tree for finding lines, and the
// secret values it contains so logs can redact them.
type Document struct {
	root    *yaml.Node
	report  *Report
	secrets []string
}

// NewLoader reads the process environment and the file system.
func NewLoader() *Loader { return &Loader{Getenv: os.LookupEnv, ReadFile: os.ReadFile} }

// MaxSize is the largest config file accepted.
const MaxSize = 4 << 20

// Load parses src into dst (a pointer to a struct with yaml tags). The
// Document's Report lists every problem found while reading; Validate adds
// the meaning-level ones.
func (l *Loader) Load(name string, src io.Reader, dst any) *Document {
	doc := &Document{report: &Report{File: name}}
	data, err := io.ReadAll(io.LimitReader(src, MaxSize+1))
	if err != nil {
		doc.report.Problems = append(doc.report.Problems, Problem{Message: "read: " + err.Error()})
		return doc
	}
	if len(data) > MaxSize {
		doc.report.Problems = append(doc.report.Problems, Problem{Message: fmt.Sprintf("file is larger than %d bytes", MaxSize)})
		return doc
	}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		doc.report.Problems = append(doc.report.Problems, syntaxProblem(data, err))
		return doc
	}
	if root.Kind == 0 {
		// An empty file is a config with nothing set: the checks of
		// meaning still run, so it fails where required keys are missing.
		doc.root = &yaml.Node{Kind: yaml.MappingNode}
		return doc
	}
	doc.root = &root
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	l.expand(doc, body, "", typeOf(dst))
	doc.strict(body, "", typeOf(dst))
	if err := body.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				p := typeProblem(m)
				p.Path = doc.pathAt(body, "", p.Line)
				p.Message = explainType(p.Message, typeAt(typeOf(dst), p.Path))
				doc.report.Problems = append(doc.report.Problems, p)
			}
		} else {
			doc.report.Problems = append(doc.report.Problems, Problem{Message: err.Error()})
		}
	}
	return doc
}

// Parsed reports whether the file was YAML at all (an empty file is), so
// that meaning-level checks can run beside the problems already found.
func (d *Document) Parsed() bool { return d.root != nil }

// Report returns what was found so far.
func (d *Document) Report() *Report { return d.report }

// Secrets returns the secret values the config holds, longest first.
func (d *Document) Secrets() []string {
	out := append([]string(nil), d.secrets...)
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Problem adds a critical problem at path, finding its line.
func (d *Document) Problem(path, format string, a ...any) {
	d.report.Problems = append(d.report.Problems, Problem{Path: path, Line: d.Line(path), Message: fmt.Sprintf(format, a...)})
}

// Warn adds a warning at path.
func (d *Document) Warn(path, format string, a ...any) {
	d.report.Warnings = append(d.report.Warnings, Problem{Path: path, Line: d.Line(path), Message: fmt.Sprintf(format, a...)})
}

// AddErrors adds problems from a section's Validate, whose errors read
// "<key>: <message>" relative to section. Keys are joined to the section's
// path so the line can be found.
func (d *Document) AddErrors(section string, errs []error, warn bool) {
	for _, err := range errs {
		key, msg, ok := strings.Cut(err.Error(), ": ")
		path := section
		if ok && !strings.ContainsAny(key, " ") {
			if path != "" && !strings.HasPrefix(key, "[") {
				path += "."
			}
			path += key
		} else {
			msg = err.Error()
		}
		if warn {
			d.Warn(path, "%s", msg)
		} else {
			d.Problem(path, "%s", msg)
		}
	}
}
