package sshtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// maxListenPerProcess is OpenSSH's MAX_LISTEN_SOCKS: one sshd refuses more
// ListenAddress lines ("Too many listen sockets").
const maxListenPerProcess = 16

const logTail = 64 << 10

var (
	listeningLine = regexp.MustCompile(`^Server listening on (\S+) port (\d+)\.`)
	bindFailed    = regexp.MustCompile(`Bind to port \d+ on \S+ failed`)
)

// process is one running `sshd -D -e`. Its stderr is read by one goroutine
// that spots the "Server listening" lines and keeps the tail of the log.
type process struct {
	cmd        *exec.Cmd
	stderr     *os.File
	listening  chan string // "ip port" per listen socket
	bindErr    chan string
	exited     chan struct{}
	readerDone chan struct{}

	mu  sync.Mutex
	log []byte
}

// startProcess runs sshd with config and waits until it listens on every one
// of want sockets, it exits, or timeout passes.
func startProcess(bin, config string, want int, timeout time.Duration) (*process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe for sshd stderr: %w", err)
	}
	p := &process{
		cmd:        exec.Command(bin, "-f", config, "-D", "-e"),
		stderr:     r,
		listening:  make(chan string, want),
		bindErr:    make(chan string, 1),
		exited:     make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	w.Close()
	go p.readLog()
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitListening(want, timeout); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w; sshd log:\n%s", err, p.Log())
	}
	return p, nil
}

func (p *process) waitListening(want int, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for got := 0; got < want; {
		select {
		case <-p.listening:
			got++
		case line := <-p.bindErr:
			return &bindError{line: line}
		case <-p.exited:
			return errors.New("sshd exited before listening")
		case <-timer.C:
			return fmt.Errorf("sshd not listening on %d sockets after %s", want, timeout)
		}
	}
	return nil
}

// bindError means a listen port was taken between choosing and binding it;
// the caller retries with new ports.
type bindError struct{ line string }

func (e *bindError) Error() string { return "sshd could not bind: " + e.line }

func (p *process) readLog() {
	defer close(p.readerDone)
	sc := bufio.NewScanner(p.stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := listeningLine.FindStringSubmatch(line); m != nil {
			select {
			case p.listening <- m[1] + " " + m[2]:
			default:
			}
		} else if bindFailed.MatchString(line) {
			select {
			case p.bindErr <- line:
			default:
			}
		}
		p.mu.Lock()
		p.log = append(p.log, line...)
		p.log = append(p.log, '\n')
		if len(p.log) > 2*logTail {
			p.log = append(p.log[:0], p.log[len(p.log)-logTail:]...)
		}
		p.mu.Unlock()
	}
}

// Log returns the tail of the process's stderr.
func (p *process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.log) > logTail {
		return string(p.log[len(p.log)-logTail:])
	}
	return string(p.log)
}

// stop ends the listener with SIGTERM (SIGKILL after 5 s) and stops the log
// reader. Sessions forked earlier end when their clients disconnect.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	// Forked session processes may still hold the pipe's write end; closing
	// our end unblocks the reader instead of waiting for them.
	p.stderr.Close()
	<-p.readerDone
}
