package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/testenv"
)

// TestSandboxAssets: in the sandbox its SSH hosts are assets: asset list
// shows them, asset check runs on them over SSH (a demo service that is
// stopped shows as a failed unit), and Prometheus' targets mark them
// monitored on their cards.
func TestSandboxAssets(t *testing.T) {
	for _, bin := range []struct{ pkg, name string }{
		{"redis-server", "redis-server"}, {"openssh-server", "/usr/sbin/sshd"}, {"prometheus", "prometheus"},
		{"prometheus-alertmanager", "prometheus-alertmanager"}, {"prometheus-node-exporter", "prometheus-node-exporter"},
	} {
		testenv.LookPath(t, bin.pkg, bin.name)
	}
	s := startSandbox(t)
	s.typeLine("asset list role=web")
	at := s.waitFor("3 assets match `role=web`", 0)

	// db-1's postgres stops, as if it had died.
	if err := os.Remove(filepath.Join(s.root, "hosts", "state", "db-1", "postgres", "pid")); err != nil {
		t.Fatal(err)
	}
	s.typeLine("asset check web-3,db-1")
	at = s.waitFor(`to pick several by name write `+"`"+`name=~"web-3|db-1"`, at)
	s.typeLine(`asset check name=~"web-3|db-1"`)
	at = s.waitFor(`check name=~"web-3|db-1": 2/2 hosts, 0 failed`, at)
	at = s.waitFor("2 hosts checked", at)
	out := s.out.String()[at-300 : min(len(s.out.String()), at+2000)]
	if !strings.Contains(out, "*db-1* 1 failed unit: postgres.service") {
		t.Errorf("db-1's stopped postgres is not a failed unit:\n%s", out)
	}
	if strings.Contains(out, ":x:") {
		t.Errorf("a sandbox host could not be checked:\n%s", out)
	}
	// Prometheus' targets are read every 10s: web-1 becomes monitored.
	testenv.Eventually(t, 40*time.Second, func() bool {
		s.typeLine("asset show web-1")
		from := len(s.out.String())
		time.Sleep(2 * time.Second)
		return strings.Contains(s.out.String()[from:], "scraped by Prometheus")
	}, "web-1's card to say Prometheus scrapes it")
	s.stop()
}
