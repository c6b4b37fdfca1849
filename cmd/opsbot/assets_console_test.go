package main

import (
	"bytes"
	"os"
	"regexp"
	"testing"

	"opsbot/bot/golden"
)

// TestConsoleDemoEstate: with nothing installed, the console's demo
// settings carry a small estate that asset list, show and expiring
// answer about (dates, which follow today, are scrubbed). Update with:
// go test ./cmd/opsbot -run TestConsoleDemoEstate -update
func TestConsoleDemoEstate(t *testing.T) {
	script, err := os.ReadFile("testdata/assets/demo.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	m := NewMain(bytes.NewReader(script), &out, &errOut)
	t.Setenv("OPSBOT_CONFIG", "")
	t.Setenv("PROMETHEUS_URL", "http://127.0.0.1:1") // nothing answers there
	if err := m.ParseFlags([]string{"console", "-as", "U0CONSOLE"}); err != nil {
		t.Fatal(err)
	}
	m.ConfigPath = "testdata/assets/absent.yaml" // does not exist: demo settings
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("console: %v\nstderr: %s", err, errOut.String())
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "assets/demo.golden", scrubDates(scrubTimes(out.Bytes())))
}

var (
	calendarDate = regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`)
	farDays      = regexp.MustCompile(`in \d{3,} days`)
	onCallNow    = regexp.MustCompile(`(\*On call\*: \w+): @\w+ now`)
)

// scrubDates replaces what moves with today: dates, days to far dates,
// and who is on call this week.
func scrubDates(b []byte) []byte {
	b = calendarDate.ReplaceAll(b, []byte("<date>"))
	b = farDays.ReplaceAll(b, []byte("in <days> days"))
	return onCallNow.ReplaceAll(b, []byte("$1: <who> now"))
}
