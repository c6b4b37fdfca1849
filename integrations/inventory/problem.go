package inventory

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong in a source, located as precisely as the
// source allows: the file, the line and the field.
type Problem struct {
	File  string
	Line  int // 0 when not known
	Field string
	Msg   string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is the error of a source that could not be read: every problem
// found, not only the first.
type Problems []Problem

// MaxProblems is how many problems one load reports; the rest are counted.
const MaxProblems = 50

func (ps Problems) Error() string {
	lines := make([]string, 0, min(len(ps), MaxProblems)+1)
	for i, p := range ps {
		if i == MaxProblems {
			lines = append(lines, fmt.Sprintf("… and %d more problems", len(ps)-MaxProblems))
			break
		}
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

// sorted orders the problems by file, then line.
func (ps Problems) sorted() Problems {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return ps
}

// problems collects the problems of one file.
type problems struct {
	file string
	list Problems
}

func (ps *problems) add(line int, field, format string, a ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Msg: fmt.Sprintf(format, a...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return ps.list
}

// didYouMean is " (did you mean x?)" for the known names that contain
// typed or that typed contains (warranty → warranty_end), else the list
// of known names. Integrations import nothing of opsbot's, so this is not
// bot/suggest's edit distance; a person reading a file error needs the
// list more than a guess.
func didYouMean(typed string, known []string) string {
	var near []string
	lt := strings.ToLower(typed)
	for _, k := range known {
		if lt != "" && (strings.Contains(k, lt) || strings.Contains(lt, k)) {
			near = append(near, k)
		}
	}
	if len(near) > 0 && len(near) <= 3 {
		return " (did you mean " + strings.Join(near, " or ") + "?)"
	}
	return "; use one of " + strings.Join(known, ", ")
}
