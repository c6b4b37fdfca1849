package bot_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"opsbot/bot"
)

func TestPanicsRecoverLogsCountsAndTells(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	p := bot.NewPanics(reg, slog.New(slog.NewTextHandler(&logs, nil)))
	var told error
	func() {
		defer p.Recover("envelope", func(err error) { told = err })
		var m map[string]*struct{ X int }
		_ = m["missing"].X // nil dereference
	}()
	if told == nil || !strings.Contains(told.Error(), "panic in envelope") {
		t.Fatalf("after got %v", told)
	}
	if got := count(p.Counter("envelope")); got != 1 {
		t.Errorf("opsbot_panics_total{where=envelope} = %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "panics_test.go") {
		t.Errorf("log has no stack: %s", logs.String())
	}
	// No panic: nothing counted, nothing told.
	told = nil
	func() { defer p.Recover("envelope", func(err error) { told = err }) }()
	if told != nil || count(p.Counter("envelope")) != 1 {
		t.Errorf("a clean return was treated as a panic")
	}
}

func TestNilPanicsStillRecovers(t *testing.T) {
	var p *bot.Panics
	done := make(chan struct{})
	p.Go("test", func() { defer close(done); panic("boom") })
	<-done
}

func count(c prometheus.Counter) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
