package summary

import (
	"encoding/json"
	"strings"
	"testing"

	"opsbot/integrations/alertmanager"
	"opsbot/internal/testkit"
)

// htmlEscapes undoes encoding/json's escapes of <, > and &, which the
// blocks' own marshalers write.
var htmlEscapes = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// mustJSON is v as JSON, with <, > and & as they are (as Slack reads them).
func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(htmlEscapes.Replace(string(b)))
}

// mustJSONRaw is v as encoding/json writes it.
func mustJSONRaw(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// slackTakes checks that Slack (the strict local one) takes b's message.
func slackTakes(tb testing.TB, b Built) {
	tb.Helper()
	testkit.SlackAccepts(tb, b.Message.Text, b.Message.Blocks)
}

// alertmanagerAlert is an alert firing in Alertmanager.
func alertmanagerAlert(name, severity string) alertmanager.GettableAlert {
	return alertmanager.GettableAlert{Labels: map[string]string{"alertname": name, "severity": severity}}
}

// alertmanagerMatchers writes f's matchers as Alertmanager does.
func alertmanagerMatchers(f alertmanager.AlertFilter) string {
	return alertmanager.Matchers(f.Matchers).String()
}
