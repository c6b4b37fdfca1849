package incident_test

import (
	"strings"
	"testing"

	"opsbot/commands/incident"
	"opsbot/internal/testkit"
)

// The snippet for config.example.yaml must stay valid.
func TestExampleConfig(t *testing.T) {
	var doc struct {
		Incident incident.Config `yaml:"incident"`
	}
	testkit.DecodeYAML(t, "testdata/example.yaml", &doc)
	if errs := doc.Incident.Validate(); len(errs) > 0 {
		t.Fatalf("example: %v", errs)
	}
	if got := doc.Incident.PageTargets(); got["sev1"] != "sre-urgent" || got["sev2"] != "sre" || len(got) != 2 {
		t.Errorf("PageTargets = %v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	errs := incident.Config{ChannelPrefix: "Inc!", TimeZone: "Moon/Base", TimelineMax: 10,
		Severities: map[string]incident.SeverityConfig{"sev0": {}, "sev2": {UpdateEvery: "5s"}}}.Validate()
	want := []string{"channel_prefix:", "time_zone:", "timeline_max:", "severities.sev0:", "severities.sev2.update_every:"}
	if len(errs) != len(want) {
		t.Fatalf("Validate = %v", errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
		}
	}
}
