package sandbox

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Summary says what runs where, what was left out and why, where the
// config is, and what to try first.
func (s *Sandbox) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "opsbot sandbox: real servers on loopback, in %s (removed at exit)\n", s.Dir)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, p := range s.Parts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Name, p.Where, p.What)
	}
	fmt.Fprintf(tw, "  opsbot\thttp://%s\t/metrics and /hooks/alertmanager\n", s.HTTPAddr)
	_ = tw.Flush()
	for _, m := range s.Missing {
		fmt.Fprintf(&b, "  left out: %s is not installed (apt-get install %s)\n", m.Binary, m.Package)
	}
	fmt.Fprintf(&b, "Config: %s (a real opsbot config; read it)\n", s.ConfigPath)
	fmt.Fprintf(&b, "Files (graph, incident postmortem): %s, removed with the rest\n", s.FilesDir)
	var people []string
	for _, p := range People() {
		people = append(people, fmt.Sprintf("%s (%s)", p.Name, p.Role))
	}
	fmt.Fprintf(&b, "People: %s. Type `as bob` to act as bob.\n", strings.Join(people, ", "))
	b.WriteString("Try: service status app on web · as bob · service restart app on env=staging ·\n" +
		"     service restart app on web -- new config (prod: a change request) · as carol · click 1 (Approve) ·\n" +
		"     alerts · query up · graph rate(node_cpu_seconds_total[1m]) 10m · status web\n")
	return b.String()
}
