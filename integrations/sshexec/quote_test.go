package sshexec

import (
	"bytes"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{"''", `''\'''\'''`},
		{"a b", "'a b'"},
		{"$(id)", "'$(id)'"},
		{"`id`", "'`id`'"},
		{"x;y", "'x;y'"},
		{"line1\nline2", "'line1\nline2'"},
		{`back\slash`, `'back\slash'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Quote(tt.in); got != tt.want {
				t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"true"}, "'true'"},
		{[]string{"systemctl", "restart", "nginx"}, "'systemctl' 'restart' 'nginx'"},
		{[]string{"echo", "", "x"}, "'echo' '' 'x'"},
		{[]string{"rm", "-rf", "/; reboot"}, "'rm' '-rf' '/; reboot'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			if got := CommandLine(tt.argv); got != tt.want {
				t.Errorf("CommandLine(%q) = %q, want %q", tt.argv, got, tt.want)
			}
		})
	}
}

func TestCheckArgv(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		ok   bool
	}{
		{"nil", nil, false},
		{"empty program", []string{""}, false},
		{"nul in argument", []string{"echo", "a\x00b"}, false},
		{"nul in program", []string{"ec\x00ho"}, false},
		{"empty argument", []string{"echo", ""}, true},
		{"ordinary", []string{"systemctl", "status", "nginx"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckArgv(tt.argv)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckArgv(%q) = %v, want ok=%v", tt.argv, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidCommand) {
				t.Errorf("error %v does not match ErrInvalidCommand", err)
			}
		})
	}
}

// injectionCorpus holds arguments a shell would treat as code if they were
// not quoted. Tests send each through a shell and expect it back unchanged.
var injectionCorpus = []string{
	"; touch /tmp/opsbot-pwned",
	"&& id",
	"| cat /etc/passwd",
	"`id`",
	"$(id)",
	"${HOME}",
	"$HOME",
	"line1\nline2",
	"\nid",
	"'", `"`, `\`, `'\''`, `"'"'"`,
	"*", "/*", "?", "[a-z]*", "~", "~root",
	"--option", "-n", "-e", "--",
	"a  b\tc",
	"#comment",
	"!!", "!1",
	"> /tmp/x", "< /etc/passwd", "2>&1",
	"{a,b}",
	"%s%n%d",
	"\x01\x1b[31mred\x7f",
	"\xff\xfe not utf-8",
	"naïve 日本語 🚀",
	strings.Repeat("long-argument-", 5000),
	"",
}

// shellArgv runs argv through `sh -c CommandLine(...)` locally, printing
// each argument NUL-terminated, and returns what the shell passed on.
func shellArgv(t testing.TB, argv []string) []string {
	t.Helper()
	line := CommandLine(append([]string{"printf", `%s\0`}, argv...))
	cmd := exec.Command("/bin/sh", "-c", line)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v: %s", line, err, stderr.Bytes())
	}
	if len(out) == 0 || out[len(out)-1] != 0 {
		t.Fatalf("output %q does not end in NUL", out)
	}
	return strings.Split(string(out[:len(out)-1]), "\x00")
}

func TestCommandLineThroughLocalShell(t *testing.T) {
	for _, arg := range injectionCorpus {
		name := arg
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			argv := []string{arg, "after"}
			if got := shellArgv(t, argv); !slices.Equal(got, argv) {
				t.Errorf("sh passed %q, want %q", got, argv)
			}
		})
	}
}

// FuzzCommandLine proves that for any argv without NUL bytes, a POSIX shell
// hands exactly that argv to the program. The input is split on NUL into
// arguments, since NUL is the one byte an argument cannot hold.
func FuzzCommandLine(f *testing.F) {
	f.Add("")
	f.Add("a\x00b")
	f.Add("it's\x00$(id)\x00`id`")
	f.Add("x; rm -rf /\x00&& reboot\x00| tee\x00line\nbreak")
	f.Add("'\x00''\x00'\\''\x00\"")
	f.Add("*\x00~\x00--help\x00\xff\xfe")
	f.Fuzz(func(t *testing.T, joined string) {
		argv := strings.Split(joined, "\x00")
		if err := CheckArgv(append([]string{"printf"}, argv...)); err != nil {
			t.Fatalf("CheckArgv refused NUL-free argv %q: %v", argv, err)
		}
		if got := shellArgv(t, argv); !slices.Equal(got, argv) {
			t.Errorf("sh passed %q, want %q", got, argv)
		}
	})
}
