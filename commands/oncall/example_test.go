package oncall_test

import (
	"testing"

	"opsbot/commands/oncall"
	"opsbot/internal/testkit"
)

// The snippet for config.example.yaml must stay valid.
func TestExampleConfig(t *testing.T) {
	var doc struct {
		Oncall oncall.Config `yaml:"oncall"`
	}
	testkit.DecodeYAML(t, "testdata/example.yaml", &doc)
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
