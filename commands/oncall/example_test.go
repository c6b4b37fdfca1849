package oncall_test

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"opsbot/commands/oncall"
)

// The snippet for config.example.yaml must stay valid.
func TestExampleConfig(t *testing.T) {
	f, err := os.Open("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var doc struct {
		Oncall oncall.Config `yaml:"oncall"`
	}
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if errs := doc.Oncall.Validate(); len(errs) > 0 || len(doc.Oncall.Schedules) != 2 {
		t.Fatalf("example: %v", errs)
	}
	for _, target := range []string{"sre", "sre-urgent"} {
		if !doc.Oncall.HasTarget(target) {
			t.Errorf("HasTarget(%q) = false", target)
		}
	}
	if doc.Oncall.HasTarget("web") {
		t.Error("HasTarget(web) = true")
	}
}
