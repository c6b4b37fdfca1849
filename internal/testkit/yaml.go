package testkit

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// DecodeYAML decodes the YAML file path into dst strictly (a key dst has
// no field for is an error), failing tb on any error: for tests that keep
// a package's example config section valid.
func DecodeYAML(tb testing.TB, path string, dst any) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
}
