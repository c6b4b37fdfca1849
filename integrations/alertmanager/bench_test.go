package alertmanager

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecode decodes a typical notification: one group of ten firing
// alerts with six labels and three annotations each (6.5 KB).
//
//	go test -run '^$' -bench Decode -benchmem ./integrations/alertmanager/
func BenchmarkDecode(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "ten_alerts.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		m, err := Decode(bytes.NewReader(body), DefaultBodyLimit)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Alerts) != 10 {
			b.Fatalf("%d alerts, want 10", len(m.Alerts))
		}
	}
}
