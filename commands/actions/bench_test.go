package actions

import (
	"context"
	"testing"
)

// BenchmarkBind measures checking values and building a plan for two hosts.
//
//	go test ./commands/actions -run '^$' -bench Bind
func BenchmarkBind(b *testing.B) {
	cat, err := New(testConfig())
	if err != nil {
		b.Fatal(err)
	}
	hosts, _ := cat.Resolve(context.Background(), "web")
	logs, _ := cat.Action("logs")
	for b.Loop() {
		if _, err := logs.Bind([]string{"nginx", "50"}, map[string]string{"format": "json"}, hosts); err != nil {
			b.Fatal(err)
		}
	}
}
