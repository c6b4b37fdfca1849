package sshexec

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidCommand means a Command cannot be sent: no argv, or an argument
// with a NUL byte (which no remote shell can receive).
var ErrInvalidCommand = errors.New("invalid command")

// Quote returns arg as one POSIX shell word: wrapped in single quotes, each
// single quote inside written as close-quote, backslash-quote, open-quote:
//
//	it's  →  'it'\''s'
//
// Inside single quotes a POSIX shell gives no character a meaning, so
// whatever arg holds ($, `, ;, newlines, globs) arrives as text.
func Quote(arg string) string {
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// CommandLine joins argv into the line the remote login shell runs, every
// argument quoted with Quote. Check argv with CheckArgv first: a NUL byte
// cannot cross the SSH exec request intact (the remote side would cut the
// line short, leaving an unterminated quote that the shell refuses).
func CommandLine(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Quote(a))
	}
	return b.String()
}

// CheckArgv reports why argv cannot be run remotely, or nil.
func CheckArgv(argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("%w: empty argv", ErrInvalidCommand)
	}
	if argv[0] == "" {
		return fmt.Errorf("%w: empty program name", ErrInvalidCommand)
	}
	for i, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("%w: argument %d contains a NUL byte", ErrInvalidCommand, i)
		}
	}
	return nil
}
