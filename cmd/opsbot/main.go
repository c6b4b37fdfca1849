// Command opsbot is the chat-ops bot: `opsbot run` connects to Slack,
// `opsbot console` talks to you in the terminal, `opsbot sandbox` does so
// with real servers started on loopback, `opsbot check-config` validates
// a config file, `opsbot version` prints the version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/term"

	"opsbot/integrations/redisstore"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// go-redis logs every failed dial; callers report Redis being down
	// themselves, so only its other lines reach stderr.
	redis.SetLogger(redisstore.QuietDialLogger{W: os.Stderr})
	m := NewMain(os.Stdin, os.Stdout, os.Stderr)
	err := m.ParseFlags(os.Args[1:])
	if err == nil {
		err = m.Run(ctx)
	}
	stop()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "opsbot:", err)
		}
		os.Exit(exitCode(err))
	}
}

// Main is the program: flags in, subcommand run, resources closed.
type Main struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	Subcommand string
	ConfigPath string
	// configSet says whether the path came from -config or OPSBOT_CONFIG
	// rather than the default, which the console may find missing.
	configSet bool
	As        string
	Channel   string
	HTTP      bool
	CheckFile string
	// Drain is how long `run` lets replies in flight finish at a stop;
	// change and service runs in flight are waited for beside it.
	Drain time.Duration
	// fileDir is where the console saves files ("" makes one per session);
	// the sandbox sets it to a directory of its own.
	fileDir string

	closers []func() error
}

// NewMain returns a Main reading and writing the given streams.
func NewMain(stdin io.Reader, stdout, stderr io.Writer) *Main {
	return &Main{stdin: stdin, stdout: stdout, stderr: stderr}
}

const usage = `opsbot: chat-ops for IT operations teams

Usage:
  opsbot [run] [-config FILE]            connect to Slack (Socket Mode) and serve
  opsbot console [-config FILE] [-as U]  talk to opsbot in this terminal
  opsbot sandbox [-as U]                 start real servers on loopback and try everything in the console
  opsbot check-config [FILE]             validate a config file and exit
  opsbot version                         print the version

The config file is -config, else $OPSBOT_CONFIG, else ./config.yaml.

Flags:
`

var subcommands = []string{"run", "console", "sandbox", "check-config", "version", "help"}

// ParseFlags reads the subcommand and its flags.
func (m *Main) ParseFlags(args []string) error {
	m.Subcommand = "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		m.Subcommand = args[0]
		args = args[1:]
		known := false
		for _, s := range subcommands {
			known = known || s == m.Subcommand
		}
		if !known {
			return usageError{fmt.Sprintf("unknown subcommand %q: use one of %s", m.Subcommand, strings.Join(subcommands, ", "))}
		}
	}
	fs := flag.NewFlagSet("opsbot", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	fs.Usage = func() { fmt.Fprint(m.stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&m.ConfigPath, "config", "", "config file (default $OPSBOT_CONFIG or ./config.yaml)")
	fs.StringVar(&m.As, "as", ConsoleUser, "console, sandbox: act as this Slack user id (or a name from oncall.people), to try RBAC")
	fs.StringVar(&m.Channel, "channel", "console", "console: the channel requests appear to come from")
	fs.BoolVar(&m.HTTP, "http", false, "console: also serve /healthz, /readyz and /metrics")
	fs.DurationVar(&m.Drain, "drain", drainTime, "run: how long replies in flight may finish at a stop (runs over SSH are waited for apart)")
	if m.Subcommand == "help" {
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	m.configSet = m.ConfigPath != ""
	if m.ConfigPath == "" {
		if env := os.Getenv("OPSBOT_CONFIG"); env != "" {
			m.ConfigPath, m.configSet = env, true
		} else {
			m.ConfigPath = "config.yaml"
		}
	}
	if m.Subcommand == "check-config" && fs.NArg() > 0 {
		m.ConfigPath, m.configSet = fs.Arg(0), true
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// Run runs the subcommand until it ends or ctx is cancelled.
func (m *Main) Run(ctx context.Context) error {
	switch m.Subcommand {
	case "version":
		fmt.Fprintln(m.stdout, "opsbot", Version)
		return nil
	case "check-config":
		return m.checkConfig()
	case "console":
		return m.runConsole(ctx)
	case "sandbox":
		return m.runSandbox(ctx)
	default:
		return m.runSlack(ctx)
	}
}

// Close releases what Run opened, newest first.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

func (m *Main) onClose(f func() error) { m.closers = append(m.closers, f) }

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// configError is a config that cannot be used (exit status 3).
type configError struct{ report string }

func (e configError) Error() string { return "the config has problems:\n" + e.report }

func exitCode(err error) int {
	var ue usageError
	var ce configError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.As(err, &ce):
		return 3
	default:
		return 1
	}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
