package sshexec

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"opsbot/integrations/sshexec/sshtest"
)

func TestRunOutputAndExitStatus(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, testConfig(s))
	tests := []struct {
		name       string
		argv       []string
		stdout     string
		stderr     string
		exitStatus int
		kind       string
	}{
		{"stdout", []string{"echo", "hello", "world"}, "hello world\n", "", 0, "ok"},
		{"stderr and status", []string{"sh", "-c", "echo out; echo err >&2; exit 3"}, "out\n", "err\n", 3, "exit"},
		{"false", []string{"false"}, "", "", 1, "exit"},
		{"missing program", []string{"no-such-program-opsbot"}, "", "", 127, "exit"},
		{"whoami", []string{"id", "-un"}, s.User() + "\n", "", 0, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: tt.argv})
			if r.Stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", r.Stdout, tt.stdout)
			}
			if tt.name != "missing program" && r.Stderr != tt.stderr {
				t.Errorf("stderr = %q, want %q", r.Stderr, tt.stderr)
			}
			if r.ExitStatus != tt.exitStatus {
				t.Errorf("exit status = %d, want %d", r.ExitStatus, tt.exitStatus)
			}
			if got := Kind(r.Err); got != tt.kind {
				t.Errorf("kind = %s (%v), want %s", got, r.Err, tt.kind)
			}
			var exit *ExitError
			if tt.exitStatus != 0 && (!errors.As(r.Err, &exit) || exit.Status != tt.exitStatus) {
				t.Errorf("err = %v, want *ExitError with status %d", r.Err, tt.exitStatus)
			}
			if r.StdoutBytes != int64(len(tt.stdout)) || r.Truncated {
				t.Errorf("stdout bytes = %d truncated = %v", r.StdoutBytes, r.Truncated)
			}
		})
	}
}

func TestRunOutputCap(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	cfg := testConfig(s)
	cfg.MaxOutputBytes = 1000
	e := newTestExecutor(t, cfg)
	tests := []struct {
		name           string
		argv           []string
		stdout, stderr int
		totOut, totErr int64
		truncated      bool
	}{
		{"stdout over cap", []string{"head", "-c", "300000", "/dev/zero"}, 1000, 0, 300000, 0, true},
		{"stderr over cap", []string{"sh", "-c", "head -c 5000 /dev/zero >&2"}, 0, 1000, 0, 5000, true},
		{"exactly the cap", []string{"head", "-c", "1000", "/dev/zero"}, 1000, 0, 1000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: tt.argv})
			if r.Err != nil {
				t.Fatalf("run: %v", r.Err)
			}
			if len(r.Stdout) != tt.stdout || len(r.Stderr) != tt.stderr {
				t.Errorf("kept %d/%d bytes, want %d/%d", len(r.Stdout), len(r.Stderr), tt.stdout, tt.stderr)
			}
			if r.StdoutBytes != tt.totOut || r.StderrBytes != tt.totErr {
				t.Errorf("totals %d/%d, want %d/%d", r.StdoutBytes, r.StderrBytes, tt.totOut, tt.totErr)
			}
			if r.Truncated != tt.truncated {
				t.Errorf("truncated = %v, want %v", r.Truncated, tt.truncated)
			}
		})
	}
}

// A command that outlives its timeout, or whose context is cancelled, is
// killed on the host: the shell and the child it started are gone.
func TestRunKillsRemoteCommand(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, testConfig(s))
	tests := []struct {
		name   string
		script string // writes the pid of a long-running child to $1
		cancel bool
		kind   string
	}{
		{"timeout", `sleep 60 & echo $! > "$1"; wait`, false, "timeout"},
		{"cancel", `sleep 60 & echo $! > "$1"; wait`, true, "canceled"},
		// TERM is ignored by the shell and its child: SIGKILL must follow.
		{"cancel ignoring TERM", `trap "" TERM; sleep 60 & echo $! > "$1"; wait`, true, "canceled"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(s.HostDir(), "pid-"+string(rune('a'+i)))
			cmd := Command{Argv: []string{"sh", "-c", tt.script, "sh", pidFile}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					readPid(t, pidFile)
					cancel()
				}()
			} else {
				cmd.Timeout = 2 * time.Second
			}
			r := e.Run(ctx, hostTarget(s.Hosts()[0]), cmd)
			if got := Kind(r.Err); got != tt.kind {
				t.Fatalf("kind = %s (%v), want %s", got, r.Err, tt.kind)
			}
			pid := readPid(t, pidFile)
			waitFor(t, "remote sleep to die", 10*time.Second, func() bool { return !processAlive(pid) })
			// The pooled connection survives a killed command.
			if r := e.Run(context.Background(), hostTarget(s.Hosts()[0]), Command{Argv: []string{"true"}}); r.Err != nil {
				t.Errorf("run after kill: %v", r.Err)
			}
		})
	}
	if d := e.Dials(); d != 1 {
		t.Errorf("dials = %d, want 1: killing a command must not cost the connection", d)
	}
}

func TestRunPoolsConnections(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	cfg := testConfig(s)
	cfg.IdleTimeout = 200 * time.Millisecond
	e := newTestExecutor(t, cfg)
	target := hostTarget(s.Hosts()[0])
	run := func() {
		t.Helper()
		if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
			t.Fatalf("run: %v", r.Err)
		}
	}
	run()
	run()
	if d := e.Dials(); d != 1 {
		t.Fatalf("dials after two runs = %d, want 1", d)
	}
	waitFor(t, "idle connection to be evicted", 10*time.Second, func() bool { return e.Stats().Open == 0 })
	run()
	if st := e.Stats(); st.Dials != 2 || st.Evictions != 1 || st.Open != 1 {
		t.Errorf("stats after idle expiry = %+v, want 2 dials, 1 eviction, 1 open", st)
	}
}

func TestRunConcurrentFirstUseDialsOnce(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, testConfig(s))
	target := hostTarget(s.Hosts()[0])
	const n = 20
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-start
			errs <- e.Run(context.Background(), target, Command{Argv: []string{"true"}}).Err
		}()
	}
	close(start)
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	if d := e.Dials(); d != 1 {
		t.Errorf("dials = %d, want 1", d)
	}
}

func TestRunReconnectsAfterConnectionLoss(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, testConfig(s))
	target := hostTarget(s.Hosts()[0])
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("first run: %v", r.Err)
	}
	// Kill the sshd serving our connection, as a host reboot would.
	r := e.Run(context.Background(), target, Command{Argv: []string{"sh", "-c", "kill -9 $PPID"}})
	if !errors.Is(r.Err, ErrSession) {
		t.Fatalf("run that kills its sshd: err = %v, want ErrSession", r.Err)
	}
	r = e.Run(context.Background(), target, Command{Argv: []string{"echo", "back"}})
	if r.Err != nil || r.Stdout != "back\n" {
		t.Fatalf("run after connection loss: %q, %v", r.Stdout, r.Err)
	}
	if d := e.Dials(); d != 2 {
		t.Errorf("dials = %d, want 2 (one reconnect)", d)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, testConfig(s))
	h := s.Hosts()[0]
	tests := []struct {
		name   string
		target Target
		argv   []string
		want   error
	}{
		{"nul byte", hostTarget(h), []string{"echo", "a\x00b"}, ErrInvalidCommand},
		{"empty argv", hostTarget(h), nil, ErrInvalidCommand},
		{"no address", Target{Port: h.Port}, []string{"true"}, ErrInvalidTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Run(context.Background(), tt.target, Command{Argv: tt.argv})
			if !errors.Is(r.Err, tt.want) {
				t.Errorf("err = %v, want %v", r.Err, tt.want)
			}
		})
	}
	if d := e.Dials(); d != 0 {
		t.Errorf("dials = %d: refused input must not connect", d)
	}
}

// Every argument of the injection corpus reaches the remote program
// byte for byte, and none of them runs as shell code.
func TestRunArgumentsArriveLiterally(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	cfg := testConfig(s)
	cfg.MaxOutputBytes = 1 << 20
	e := newTestExecutor(t, cfg)
	target := hostTarget(s.Hosts()[0])
	marker := filepath.Join(s.HostDir(), "pwned")
	corpus := append([]string{
		"; touch " + marker,
		"$(touch " + marker + ")",
		"`touch " + marker + "`",
		"\ntouch " + marker,
		"' ; touch " + marker + " ; '",
	}, injectionCorpus...)
	for _, arg := range corpus {
		name := arg
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			r := e.Run(context.Background(), target, Command{Argv: []string{"printf", `%s\n`, arg}})
			if r.Err != nil {
				t.Fatalf("run: %v (stderr %q)", r.Err, r.Stderr)
			}
			if r.Stdout != arg+"\n" {
				t.Errorf("remote printf printed %q, want %q", r.Stdout, arg+"\n")
			}
		})
	}
	// All at once, as one argv.
	r := e.Run(context.Background(), target, Command{Argv: append([]string{"printf", `%s\0`}, corpus...)})
	if r.Err != nil {
		t.Fatalf("run: %v", r.Err)
	}
	if got := strings.Split(strings.TrimSuffix(r.Stdout, "\x00"), "\x00"); !equalStrings(got, corpus) {
		t.Errorf("remote argv differs from the corpus:\n got %q\nwant %q", got, corpus)
	}
	if _, err := statFile(marker); err == nil {
		t.Errorf("an argument ran as shell code: %s exists", marker)
	}
}

func TestRunRedactsSecretsAndStopsAfterClose(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	e := newTestExecutor(t, testConfig(s))
	target := hostTarget(s.Hosts()[0])
	const token = "xoxb-123-secret-token"
	r := e.Run(context.Background(), target, Command{
		Argv:    []string{"sh", "-c", `echo "token=$1"; echo "bad $1" >&2`, "sh", token},
		Secrets: []string{token},
	})
	if r.Err != nil {
		t.Fatalf("run: %v", r.Err)
	}
	if r.Stdout != "token=[REDACTED]\n" || r.Stderr != "bad [REDACTED]\n" {
		t.Errorf("output not redacted: %q / %q", r.Stdout, r.Stderr)
	}
	e.Close()
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); !errors.Is(r.Err, ErrClosed) {
		t.Errorf("run after Close: err = %v, want ErrClosed", r.Err)
	}
}
