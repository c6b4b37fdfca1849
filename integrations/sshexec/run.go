package sshexec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"
)

// Command is what to run on a host: an argv, never shell text.
type Command struct {
	// Argv is the program and its arguments; each is quoted (see
	// CommandLine), so they reach the program exactly as given.
	Argv []string
	// Timeout bounds the command once started; 0 means
	// Config.CommandTimeout. When it passes the remote process is killed.
	Timeout time.Duration
	// Secrets are redacted from Stdout and Stderr (see Redact).
	Secrets []string
}

// Result is what happened on one host.
type Result struct {
	Target Target
	// ExitStatus is the remote exit status, -1 when there was none
	// (not connected, not started, connection lost).
	ExitStatus int
	// Stdout and Stderr hold at most Config.MaxOutputBytes each.
	Stdout, Stderr string
	// StdoutBytes and StderrBytes count everything the command wrote.
	StdoutBytes, StderrBytes int64
	// Truncated is set when Stdout or Stderr holds less than was written.
	Truncated bool
	Duration  time.Duration
	// Err is nil on exit status 0. Otherwise it matches one of
	// ErrUnreachable, ErrHostKey, ErrAuth, ErrTimeout, ErrCanceled,
	// ErrNonZeroExit, ErrSession, ErrInvalidCommand, ErrInvalidTarget,
	// ErrClosed (errors.Is; Kind names it).
	Err error
}

// OK reports whether the command ran and exited 0.
func (r Result) OK() bool { return r.Err == nil }

// Run runs cmd on target over the host's pooled connection, dialing it
// first if needed. Cancelling ctx, or cmd's timeout passing, kills the
// remote process group (SIGTERM, SIGKILL after Config.KillGrace) and
// closes the session.
func (e *Executor) Run(ctx context.Context, target Target, cmd Command) Result {
	start := time.Now()
	r := e.run(ctx, target, cmd)
	r.Duration = time.Since(start)
	e.log.Debug("ssh run", "target", r.Target.Name, "program", programName(cmd.Argv),
		"exit_status", r.ExitStatus, "kind", Kind(r.Err), "duration", r.Duration)
	return r
}

func programName(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	return argv[0]
}

func (e *Executor) run(ctx context.Context, target Target, cmd Command) Result {
	t, err := e.resolve(target)
	r := Result{Target: t, ExitStatus: -1}
	if err != nil {
		r.Err = err
		return r
	}
	if err := CheckArgv(cmd.Argv); err != nil {
		r.Err = fmt.Errorf("run on %s: %w", t.Name, err)
		return r
	}
	what := fmt.Sprintf("run %q on %s", cmd.Argv[0], t.Name)
	// A pooled connection may have died unnoticed; a command that could not
	// even start is tried once more on a fresh connection.
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			r.Err = fmt.Errorf("%s: %w", what, ctxError(err))
			return r
		}
		pc, err := e.connect(ctx, t)
		if err != nil {
			if ctx.Err() != nil {
				err = ctxError(ctx.Err())
			}
			r.Err = fmt.Errorf("%s: %w", what, err)
			return r
		}
		retry := e.runOn(ctx, pc, cmd, what, &r)
		e.pool.release(pc)
		if !retry || attempt > 0 {
			return r
		}
	}
}

// ctxError maps a context error onto ErrTimeout or ErrCanceled.
func ctxError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrCanceled, err)
}

// runOn runs cmd in a new session on pc and fills r. It reports whether
// the session could not be opened on a connection that turned out dead,
// so the caller may retry on a new one.
func (e *Executor) runOn(ctx context.Context, pc *pooledConn, cmd Command, what string, r *Result) (retry bool) {
	if err := pc.acquireSession(ctx); err != nil {
		r.Err = fmt.Errorf("%s: wait for a free session: %w", what, ctxError(err))
		return false
	}
	defer pc.releaseSession()
	sess, err := e.openSession(ctx, pc)
	if err != nil {
		var refused *ssh.OpenChannelError
		if errors.As(err, &refused) { // the server said no; the connection is fine
			r.Err = fmt.Errorf("%s: open session: %w: %w", what, ErrSession, err)
			return false
		}
		if ctx.Err() != nil {
			r.Err = fmt.Errorf("%s: open session: %w", what, ctxError(ctx.Err()))
			return false
		}
		e.pool.evict(pc)
		r.Err = fmt.Errorf("%s: open session: %w: %w", what, ErrSession, err)
		return true
	}
	defer sess.Close()

	keep := e.cfg.MaxOutputBytes + longest(cmd.Secrets)
	stdout, stderr := newCapture(keep), newCapture(keep)
	sess.Stdout, sess.Stderr = stdout, stderr
	defer func() {
		var t1, t2 bool
		r.Stdout, r.StdoutBytes, t1 = stdout.result(e.cfg.MaxOutputBytes, cmd.Secrets)
		r.Stderr, r.StderrBytes, t2 = stderr.result(e.cfg.MaxOutputBytes, cmd.Secrets)
		r.Truncated = t1 || t2
	}()
	if err := sess.Start(remoteLine(cmd.Argv)); err != nil {
		r.Err = fmt.Errorf("%s: start: %w: %w", what, ErrSession, err)
		return false
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	timeout := cmd.Timeout
	if timeout <= 0 {
		timeout = e.cfg.CommandTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if broken := exitResult(err, what, r); broken {
			e.pool.evict(pc)
		}
	case <-timer.C:
		exitResult(e.kill(sess, pc, done), what, r)
		r.Err = fmt.Errorf("%s: %w after %s; remote process killed", what, ErrTimeout, timeout)
	case <-ctx.Done():
		exitResult(e.kill(sess, pc, done), what, r)
		r.Err = fmt.Errorf("%s: %w; remote process killed", what, ctxError(ctx.Err()))
	}
	return false
}

// kill ends a running command. Without a pty sshd does not kill a command
// when its session closes, so it is signalled: sshd delivers "signal"
// requests with killpg to the command's process group (OpenSSH >= 7.9),
// as long as the group leader (the program, see remoteLine) lives.
// SIGTERM first, SIGKILL after KillGrace; if the session still does not
// end, the connection is closed. It returns the session's Wait error.
//
// A child that ignores SIGTERM and outlives a leader that did not is out
// of sshd's reach; it ends at its next write to the closed output.
func (e *Executor) kill(sess *ssh.Session, pc *pooledConn, done <-chan error) error {
	grace := e.cfg.KillGrace
	_ = sess.Signal(ssh.SIGTERM)
	select {
	case err := <-done:
		return err
	case <-time.After(grace):
	}
	_ = sess.Signal(ssh.SIGKILL)
	_ = sess.Close()
	select {
	case err := <-done:
		return err
	case <-time.After(grace):
	}
	e.pool.evict(pc) // closing the connection ends the session for sure
	return <-done
}

// openSession opens a session on pc within ConnectTimeout and ctx. A peer
// that vanished without a reset would otherwise leave NewSession waiting
// for minutes; on timeout or cancellation the connection is closed, which
// ends the wait.
func (e *Executor) openSession(ctx context.Context, pc *pooledConn) (*ssh.Session, error) {
	type opened struct {
		sess *ssh.Session
		err  error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := pc.client.NewSession()
		ch <- opened{s, err}
	}()
	timer := time.NewTimer(e.cfg.ConnectTimeout)
	defer timer.Stop()
	var why error
	select {
	case o := <-ch:
		return o.sess, o.err
	case <-timer.C:
		why = fmt.Errorf("no answer within %s", e.cfg.ConnectTimeout)
	case <-ctx.Done():
		why = ctx.Err()
	}
	select {
	case o := <-ch: // answered just in time
		return o.sess, o.err
	default:
	}
	e.pool.evict(pc)
	if o := <-ch; o.err == nil {
		o.sess.Close()
	}
	return nil, why
}

// remoteLine is what the remote login shell runs: exec replaces the shell
// with the program, so the program leads the session's process group and
// stays the process sshd signals until it exits (a shell left in between
// would die on SIGTERM and leave the program out of sshd's reach).
func remoteLine(argv []string) string { return "exec " + CommandLine(argv) }

// exitResult records the outcome of sess.Wait in r and reports whether the
// connection looks broken.
func exitResult(err error, what string, r *Result) (broken bool) {
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		r.ExitStatus, r.Err = 0, nil
	case errors.As(err, &exit):
		r.ExitStatus = exit.ExitStatus()
		r.Err = fmt.Errorf("%s: %w", what, &ExitError{Status: exit.ExitStatus(), Signal: exit.Signal()})
	case errors.As(err, &missing):
		r.Err = fmt.Errorf("%s: %w: connection closed before the command reported an exit status", what, ErrSession)
		return true
	default:
		r.Err = fmt.Errorf("%s: %w: %w", what, ErrSession, err)
		return true
	}
	return false
}
