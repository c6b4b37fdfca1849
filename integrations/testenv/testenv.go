// Package testenv decides what an integration test does when a real server
// binary it needs is missing: skip with the reason on a developer's machine,
// fail in CI where OPSBOT_INTEGRATION=require promises the binary is there.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// EnvVar names the variable that turns missing servers from skips into failures.
const EnvVar = "OPSBOT_INTEGRATION"

// Required reports whether integration tests must run rather than skip.
func Required() bool { return os.Getenv(EnvVar) == "require" }

// Unavailable skips tb with reason, or fails it when integration tests are
// required.
func Unavailable(tb testing.TB, reason string) {
	tb.Helper()
	if Required() {
		tb.Fatalf("%s (%s=require)", reason, EnvVar)
	}
	tb.Skip(reason)
}

// LookPath returns the path of the first of names found on PATH or as an
// absolute path; when none is found the test is skipped or failed via
// Unavailable, naming the Debian package that provides it.
func LookPath(tb testing.TB, debianPackage string, names ...string) string {
	tb.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Unavailable(tb, "need "+names[0]+" (apt-get install "+debianPackage+")")
	return ""
}
