package sshexec

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"opsbot/integrations/sshexec/sshtest"
)

// fakeSystemctl manages "units" that are real background processes, with
// a pid file per unit, the way systemctl restart replaces a service's
// process.
const fakeSystemctl = `#!/bin/sh
set -eu
state=STATE
mkdir -p "$state"
verb=$1 unit=$2
pidfile="$state/$unit.pid"
case "$verb" in
restart)
	if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
	setsid sleep 300 </dev/null >/dev/null 2>&1 &
	echo $! > "$pidfile.new"
	mv "$pidfile.new" "$pidfile"
	echo "restarted $unit"
	;;
is-active)
	if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo active; else echo inactive; exit 3; fi
	;;
stop)
	kill "$(cat "$pidfile")"
	rm -f "$pidfile"
	;;
*)
	echo "unknown verb $verb" >&2
	exit 2
	;;
esac
`

func TestRestartThroughUnitScript(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	state := filepath.Join(s.HostDir(), "units")
	systemctl, err := s.WriteScript("systemctl", strings.Replace(fakeSystemctl, "STATE", state, 1))
	if err != nil {
		t.Fatal(err)
	}
	e := newTestExecutor(t, testConfig(s))
	host := hostTarget(s.Hosts()[0])
	run := func(verb string) Result {
		return e.Run(context.Background(), host, Command{Argv: []string{systemctl, verb, "web"}, Timeout: 10 * time.Second})
	}
	pidFile := filepath.Join(state, "web.pid")
	var started []int
	t.Cleanup(func() {
		for _, pid := range started {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	for i := 0; i < 2; i++ {
		r := run("restart")
		if r.Err != nil || r.Stdout != "restarted web\n" {
			t.Fatalf("restart %d: %q, %v (stderr %q)", i, r.Stdout, r.Err, r.Stderr)
		}
		pid := readPid(t, pidFile)
		started = append(started, pid)
		// setsid execs sleep in the same process, maybe a moment later.
		waitFor(t, "the unit process to be a running sleep", 10*time.Second, func() bool {
			return processAlive(pid) && processName(pid) == "sleep"
		})
	}
	if started[0] == started[1] {
		t.Fatalf("restart kept pid %d", started[0])
	}
	waitFor(t, "the old unit process to end", 10*time.Second, func() bool { return !processAlive(started[0]) })
	if r := run("is-active"); r.Err != nil || r.Stdout != "active\n" {
		t.Errorf("is-active after restart: %q, %v", r.Stdout, r.Err)
	}

	if r := run("stop"); r.Err != nil {
		t.Fatalf("stop: %v", r.Err)
	}
	waitFor(t, "the unit process to stop", 10*time.Second, func() bool { return !processAlive(started[1]) })
	r := run("is-active")
	var exit *ExitError
	if !errors.As(r.Err, &exit) || exit.Status != 3 || r.Stdout != "inactive\n" {
		t.Errorf("is-active after stop: %q, %v; want exit status 3 and inactive", r.Stdout, r.Err)
	}
}
