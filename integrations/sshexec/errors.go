package sshexec

import (
	"errors"
	"fmt"
)

// Errors a Result can carry; test them with errors.Is. Each one tells a
// person something different to do.
var (
	// ErrUnreachable: TCP connect or the SSH handshake failed (host down,
	// port closed, network, connect timeout). Check the host and network.
	ErrUnreachable = errors.New("host unreachable")
	// ErrHostKey: the host key is unknown, changed or revoked; the error
	// is a *HostKeyError saying what to do.
	ErrHostKey = errors.New("host key refused")
	// ErrAuth: the host accepted none of the keys offered.
	ErrAuth = errors.New("authentication failed")
	// ErrTimeout: the command ran longer than its timeout and was killed.
	ErrTimeout = errors.New("command timed out")
	// ErrCanceled: the caller cancelled; a started command was killed.
	ErrCanceled = errors.New("command canceled")
	// ErrNonZeroExit: the command ran and failed; the error is an
	// *ExitError with the status.
	ErrNonZeroExit = errors.New("non-zero exit")
	// ErrSession: connected, but the command could not be started or the
	// connection broke before it reported an exit status.
	ErrSession = errors.New("session failed")
	// ErrSkipped: a fan-out stopped before this host's turn.
	ErrSkipped = errors.New("skipped")
	// ErrInvalidTarget: the target has no address or no user.
	ErrInvalidTarget = errors.New("invalid target")
	// ErrClosed: the Executor was closed.
	ErrClosed = errors.New("executor closed")
)

// ExitError is a remote command's failure: a non-zero exit status, or death
// by a signal.
type ExitError struct {
	// Status is the exit status (128+n for signal n, as a shell reports).
	Status int
	// Signal is the signal name without "SIG" ("KILL") when one ended it.
	Signal string
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return fmt.Sprintf("killed by signal %s", e.Signal)
	}
	return fmt.Sprintf("exit status %d", e.Status)
}

// Unwrap makes errors.Is(err, ErrNonZeroExit) true.
func (e *ExitError) Unwrap() error { return ErrNonZeroExit }

// Kind names the class of err for metric labels and short chat summaries:
// "ok", "invalid", "unreachable", "host_key", "auth", "timeout", "canceled",
// "exit", "session", "skipped", "closed" or "error".
func Kind(err error) string {
	kinds := []struct {
		err  error
		name string
	}{
		{ErrInvalidCommand, "invalid"},
		{ErrInvalidTarget, "invalid"},
		{ErrHostKey, "host_key"},
		{ErrAuth, "auth"},
		{ErrUnreachable, "unreachable"},
		{ErrTimeout, "timeout"},
		{ErrCanceled, "canceled"},
		{ErrNonZeroExit, "exit"},
		{ErrSession, "session"},
		{ErrSkipped, "skipped"},
		{ErrClosed, "closed"},
	}
	if err == nil {
		return "ok"
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}
