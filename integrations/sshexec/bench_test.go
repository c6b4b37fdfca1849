package sshexec

import (
	"context"
	"testing"

	"opsbot/integrations/sshexec/sshtest"
)

// BenchmarkRunCold measures a command on a new connection each time:
// TCP connect, handshake, login, session, `true`.
//
//	go test -run '^$' -bench RunCold ./integrations/sshexec/
func BenchmarkRunCold(b *testing.B) {
	s := sshtest.Start(b)
	cfg := testConfig(s)
	target := hostTarget(s.Hosts()[0])
	for b.Loop() {
		e, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
			b.Fatal(r.Err)
		}
		e.Close()
	}
}

// BenchmarkRunWarm measures a command on the pooled connection: session
// and `true` only.
func BenchmarkRunWarm(b *testing.B) {
	s := sshtest.Start(b)
	e := newTestExecutor(b, testConfig(s))
	target := hostTarget(s.Hosts()[0])
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
		b.Fatal(r.Err)
	}
	for b.Loop() {
		if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	if d := e.Dials(); d != 1 {
		b.Errorf("dials = %d, want 1", d)
	}
}

func BenchmarkCommandLine(b *testing.B) {
	argv := []string{"systemctl", "restart", "nginx.service", "it's; $(id)"}
	for b.Loop() {
		_ = CommandLine(argv)
	}
}
