// Package golden compares test output with files under testdata, and
// rewrites them when tests run with -update:
//
//	go test ./... -run TestX -update
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata with the output of this run")

// Assert compares got with testdata/<name>, or writes it with -update.
func Assert(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file: %v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("output differs from %s (run with -update if the change is right)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// AssertJSON marshals v indented and compares it with testdata/<name>.
func AssertJSON(tb testing.TB, name string, v any) {
	tb.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	Assert(tb, name, append(b, '\n'))
}
