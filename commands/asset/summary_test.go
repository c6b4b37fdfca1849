package asset

import (
	"context"
	"strings"
	"testing"
	"time"

	"opsbot/bot"
	"opsbot/internal/testkit"
)

// The daily summary's assets section lists what falls due within 30 days
// (web-1's warranty, not db-1's end of life in 75 days, nor a retired
// asset's), narrowed by the summary's selector, and Slack takes it.
func TestSummarySection(t *testing.T) {
	e := newEnv(t, sampleEstate())
	ctx := context.Background()
	req := bot.SummaryRequest{Now: e.clock.Now(), Loc: time.UTC}
	sec, err := e.svc.SummarySection(ctx, req)
	if err != nil || sec == nil {
		t.Fatalf("section = %+v, %v", sec, err)
	}
	if !strings.Contains(sec.Text, "1 date due within 30 days") || !strings.Contains(sec.Text, "*web-1* warranty ends") ||
		strings.Contains(sec.Text, "db-1") || strings.Contains(sec.Text, "old-1") {
		t.Errorf("section:\n%s", sec.Text)
	}
	testkit.SlackAccepts(t, sec.Text, nil)

	req.Selector = "env=staging"
	if sec, err := e.svc.SummarySection(ctx, req); err != nil || sec != nil {
		t.Errorf("staging summary = %+v, %v; want nothing to say", sec, err)
	}
}
