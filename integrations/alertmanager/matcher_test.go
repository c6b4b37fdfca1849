package alertmanager

import (
	"strings"
	"testing"
)

func TestMatcherMatches(t *testing.T) {
	labels := map[string]string{"alertname": "HighCPU", "severity": "critical", "env": "prod"}
	tests := []struct {
		matchers string
		want     bool
	}{
		{`alertname="HighCPU"`, true},
		{`alertname="highcpu"`, false},
		{`severity=~"crit|warn"`, false}, // anchored: "crit" is not "critical"
		{`severity=~"crit.*|warn"`, true},
		{`severity!~"crit.*"`, false},
		{`severity!~"warn"`, true},
		{`env!=dev`, true},
		{`env!=prod`, false},
		{`team!=db`, true},    // an absent label is the empty string
		{`team=""`, true},     // likewise
		{`team=~".+"`, false}, // so it does not match .+
		{`team=~".*"`, true},  // but does match .*
		{`alertname=HighCPU,env=dev`, false},
		{`{alertname=HighCPU,env=~"prod|staging",severity!=info}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.matchers, func(t *testing.T) {
			ms, err := ParseMatchers(tt.matchers)
			if err != nil {
				t.Fatal(err)
			}
			if got := Matchers(ms).Matches(labels); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatcherBuiltByHand(t *testing.T) {
	// A struct literal has no compiled regex; Matches compiles it, and a
	// broken one matches nothing rather than panicking.
	labels := map[string]string{"severity": "warning"}
	if !(Matcher{Name: "severity", Type: MatchRegexp, Value: "warn.*"}).Matches(labels) {
		t.Error("hand-built regex matcher did not match")
	}
	if (Matcher{Name: "severity", Type: MatchRegexp, Value: "("}).Matches(labels) {
		t.Error("invalid regex matched")
	}
	if (Matcher{Name: "severity", Type: MatchNotRegexp, Value: "("}).Matches(labels) {
		t.Error("invalid negated regex matched")
	}
}

func TestNewMatcherErrors(t *testing.T) {
	tests := []struct {
		name, value string
		typ         MatchType
		words       string
	}{
		{"", "x", MatchEqual, `label name "" is not valid`},
		{"9lives", "x", MatchEqual, `label name "9lives" is not valid`},
		{"a b", "x", MatchEqual, `label name "a b" is not valid`},
		{"a", "x", MatchType(9), "unknown match type 9"},
		{"sev", "[", MatchNotRegexp, `label sev: invalid regular expression "["`},
	}
	for _, tt := range tests {
		t.Run(tt.words, func(t *testing.T) {
			_, err := NewMatcher(tt.name, tt.typ, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.words) {
				t.Fatalf("error %v, want one saying %q", err, tt.words)
			}
		})
	}
}

func TestMatcherString(t *testing.T) {
	tests := []struct {
		m    Matcher
		want string
	}{
		{Matcher{Name: "a", Type: MatchEqual, Value: "b"}, `a="b"`},
		{Matcher{Name: "a", Type: MatchNotEqual, Value: ""}, `a!=""`},
		{Matcher{Name: "a", Type: MatchRegexp, Value: `5\d+`}, `a=~"5\\d+"`},
		{Matcher{Name: "a", Type: MatchNotRegexp, Value: "say \"hi\"\n"}, `a!~"say \"hi\"\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
		})
	}
	if got := (Matchers{tests[0].m, tests[2].m}).String(); got != `{a="b",a=~"5\\d+"}` {
		t.Errorf("Matchers.String() = %s", got)
	}
}
