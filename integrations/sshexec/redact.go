package sshexec

import (
	"slices"
	"strings"
)

// Redacted replaces each secret in output redacted by Redact.
const Redacted = "[REDACTED]"

// Redact replaces every occurrence of each non-empty secret in output with
// [REDACTED], longest secrets first so one that contains another is hidden
// whole. Use it on anything shown in chat that may echo a credential.
func Redact(output string, secrets []string) string {
	if len(secrets) == 0 {
		return output
	}
	sorted := slices.Clone(secrets)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, s := range sorted {
		if s != "" {
			output = strings.ReplaceAll(output, s, Redacted)
		}
	}
	return output
}

// longest returns the length of the longest secret.
func longest(secrets []string) int {
	n := 0
	for _, s := range secrets {
		n = max(n, len(s))
	}
	return n
}
