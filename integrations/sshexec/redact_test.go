package sshexec

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"none", "token=abc", nil, "token=abc"},
		{"one", "token=abc123 ok", []string{"abc123"}, "token=[REDACTED] ok"},
		{"repeated", "abc abc", []string{"abc"}, "[REDACTED] [REDACTED]"},
		{"empty secret ignored", "abc", []string{""}, "abc"},
		{"longest first", "pass=hunter2-long", []string{"hunter2", "hunter2-long"}, "pass=[REDACTED]"},
		{"multiline", "a\nsecret\nb", []string{"secret"}, "a\n[REDACTED]\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in, tt.secrets); got != tt.want {
				t.Errorf("Redact = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCapture(t *testing.T) {
	tests := []struct {
		name      string
		writes    []string
		max       int
		secrets   []string
		want      string
		total     int64
		truncated bool
	}{
		{"under cap", []string{"abc", "def"}, 10, nil, "abcdef", 6, false},
		{"over cap", []string{"abcdef", "ghij"}, 4, nil, "abcd", 10, true},
		{"utf-8 boundary", []string{"aé"}, 2, nil, "a", 3, true},
		// The secret straddles the cap: still redacted, not half shown.
		{"secret across the cap", []string{"xx", "SECRET-VALUE", "yy"}, 6, []string{"SECRET-VALUE"}, "xx[RED", 16, true},
		{"secret inside", []string{"a SECRET b"}, 100, []string{"SECRET"}, "a [REDACTED] b", 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCapture(tt.max + longest(tt.secrets))
			for _, w := range tt.writes {
				if n, err := c.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			got, total, truncated := c.result(tt.max, tt.secrets)
			if got != tt.want || total != tt.total || truncated != tt.truncated {
				t.Errorf("result = %q, %d, %v; want %q, %d, %v", got, total, truncated, tt.want, tt.total, tt.truncated)
			}
			if strings.Contains(got, "SECRET") {
				t.Errorf("secret leaked: %q", got)
			}
		})
	}
}
