package services

import (
	"strings"
	"testing"
)

// BenchmarkRestart100Hosts measures `service restart` on 100 staging hosts
// (real sshd on loopback, pooled connections after the first run), progress
// updates and thread output included.
//
//	go test ./commands/services -run '^$' -bench Restart100Hosts -benchtime 20x
func BenchmarkRestart100Hosts(b *testing.B) {
	e := newEnvN(b, 101)
	for b.Loop() {
		rep, err := e.send("UOP", "service restart nginx on env=staging")
		if err != nil || !strings.Contains(rep.Text, "100/100 hosts, 0 failed") {
			b.Fatalf("%v %v", rep, err)
		}
	}
}
