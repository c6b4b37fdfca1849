package oncall_test

import (
	"testing"

	"github.com/slack-go/slack"

	"opsbot/bot/golden"
)

// goldenBlocks compares Block Kit with testdata/<name>; rewrite with
// go test ./commands/oncall -run <Test> -update
func goldenBlocks(t *testing.T, name string, blocks []slack.Block) {
	t.Helper()
	golden.AssertJSON(t, name, slack.Blocks{BlockSet: blocks})
}
