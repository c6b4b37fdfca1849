// Package testenv decides what an integration test does when a real server
// binary it needs is missing: skip with the reason on a developer's machine,
// fail in CI where OPSBOT_INTEGRATION=require promises the binary is there.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// MissingError is a server binary that is not installed, with the Debian
// package that provides it.
type MissingError struct {
	Binary  string // the first name looked for
	Package string // the Debian package to install
}

func (e *MissingError) Error() string {
	return "need " + e.Binary + " (apt-get install " + e.Package + ")"
}

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
	p, err := Find(debianPackage, names...)
	if err != nil {
		Unavailable(tb, err.Error())
	}
	return p
}

// Find returns the path of the first of names found on PATH or as an
// absolute path, or a *MissingError naming debianPackage. It serves
// programs (the sandbox) where LookPath serves tests.
func Find(debianPackage string, names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", &MissingError{Binary: names[0], Package: debianPackage}
}
