package summary

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"opsbot/bot/golden"
	"opsbot/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func identity(s string) string { return s }

// TestSummaryGolden builds the daily summary over two weeks of fixture
// work in every domain, at a fixed time, and compares its Block Kit and
// its chart's series with the golden files; Slack must accept it.
// Update with: go test ./commands/summary -run TestSummaryGolden -update
func TestSummaryGolden(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.seed(t, identity)
	s := f.service(t, Config{{Zone: "Europe/Berlin", Channel: "C0OPS"}})

	b := s.Build(context.Background(), s.cfg[0], f.clock.Now(), occasion{}, true)

	golden.AssertJSON(t, "TestSummaryGolden/message.json", b.Message)
	if b.Chart == nil {
		t.Fatal("no chart")
	}
	golden.Assert(t, "TestSummaryGolden/chart.txt", b.Chart.Content)
	testkit.SlackAccepts(t, b.Message.Text, b.Message.Blocks)
	for _, want := range []string{"*On call*", "*Incidents*", "*Monitoring*", "*Changes*"} {
		if !strings.Contains(string(mustJSON(t, b.Message.Blocks)), want) {
			t.Errorf("no %s section", want)
		}
	}
}
