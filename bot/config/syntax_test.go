package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type changesSection struct {
	Channel   string        `yaml:"channel"`
	Approvals int           `yaml:"approvals"`
	Expiry    time.Duration `yaml:"expiry"`
	Enabled   bool          `yaml:"enabled"`
	Hosts     []string      `yaml:"hosts"`
}

type withChanges struct {
	Slack   map[string]string `yaml:"slack"`
	Changes changesSection    `yaml:"changes"`
	Oncall  struct {
		Schedules []struct {
			Name  string   `yaml:"name"`
			Zone  string   `yaml:"zone"`
			Users []string `yaml:"users"`
		} `yaml:"schedules"`
	} `yaml:"oncall"`
}

// TestProblemsNameKeyLineAndExample: a value of the wrong type, a syntax
// error deep in a block and a tab each come with the key, the line where
// the problem is (not the enclosing block's, not none) and what to write.
func TestProblemsNameKeyLineAndExample(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"duration", "slack: {}\nchanges:\n  channel: C1\n  expiry: 2 seconds\n",
			"line 4: changes.expiry: `2 seconds` is not a duration; write e.g. 90s, 15m or 2h"},
		{"number", "changes:\n  approvals: two\n", "line 2: changes.approvals: `two` is not a whole number; write one, e.g. 3"},
		{"list for a number", "changes:\n  approvals: [1, 2]\n", "line 2: changes.approvals: a list is not a whole number"},
		{"bool", "changes:\n  enabled: maybe\n", "line 2: changes.enabled: `maybe` is not true or false; write true or false"},
		{"text for a list", "changes:\n  hosts: {a: 1}\n", "line 2: changes.hosts: a section of keys is not a list; write [a, b]"},
		{"value for a section", "changes: soon\n", "line 1: changes: `soon` is not a section; write its keys indented under it"},
		{"indented under a value", "slack: {}\nchanges:\n  channel: C1\n  expiry: 4h\n    approvals: 2\n",
			"line 5: changes.expiry: not valid YAML: mapping values are not allowed in this context; this line is indented under `expiry:`, which already has a value"},
		{"bad indentation in a list", "oncall:\n  schedules:\n    - name: sre\n      zone: UTC\n     users: [U1]\n",
			"line 5: oncall.schedules[0].users: not valid YAML: did not find expected '-' indicator; this line is not indented like the lines around it"},
		{"unclosed list", "changes:\n  channel: C1\n  hosts: [web-1, web-2\n  approvals: 1\n",
			"line 3: changes.hosts: not valid YAML: did not find expected ',' or ']'; a [ list opened here is not closed"},
		{"tab", "changes:\n  channel: C1\n\tapprovals: 1\n",
			"line 3: changes.approvals: not valid YAML: found a tab character that violates indentation; a tab indents this line, and YAML indents with spaces only"},
		{"tab under a section", "changes:\n\tchannel: C1\n", "line 2: changes.channel: not valid YAML: found character that cannot start any token; a tab indents this line"},
		{"number for a duration", "changes:\n  expiry: 30\n", "line 2: changes.expiry: `30` is not a duration: it needs a unit; write e.g. 30s or 30m"},
		{"tab on the first line", "\tchanges: {}\n", "line 1: changes: not valid YAML: found character that cannot start any token; a tab indents this line"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c withChanges
			got := loader(nil, nil).Load("t.yaml", strings.NewReader(tt.src), &c).Report().String()
			if !strings.Contains(got, "error: "+tt.want) {
				t.Errorf("report:\n%s\nwant a line starting %q", got, tt.want)
			}
		})
	}
}

// TestSyntaxErrorPastTheLastLine: yaml.v3 counts a lone \r as a line
// break, so its line may lie past the lines split at \n.
func TestSyntaxErrorPastTheLastLine(t *testing.T) {
	var c withChanges
	if got := loader(nil, nil).Load("t.yaml", strings.NewReader("000: \r0"), &c).Report().Problems; len(got) != 1 {
		t.Errorf("problems = %+v", got)
	}
}

// TestSyntaxWalkIsBounded: yaml.v3 names the line where a block starts;
// when the problem lies past the walk from there, that line is kept
// rather than a wrong one, and within it the problem's line is found.
func TestSyntaxWalkIsBounded(t *testing.T) {
	block := func(n int) string {
		var b strings.Builder
		b.WriteString("slack:\n")
		for i := range n {
			fmt.Fprintf(&b, "  k%d: v\n", i)
		}
		return b.String() + "  - item\n"
	}
	var c withChanges
	got := loader(nil, nil).Load("t.yaml", strings.NewReader(block(maxWalk+10)), &c).Report().Problems
	if len(got) != 1 || got[0].Line != 1 {
		t.Errorf("problems = %+v, want one at yaml.v3's line 1", got)
	}
	got = loader(nil, nil).Load("t.yaml", strings.NewReader(block(maxWalk-10)), &c).Report().Problems
	if want := maxWalk - 10 + 2; len(got) != 1 || got[0].Line != want {
		t.Errorf("problems = %+v, want one at line %d", got, want)
	}
}
