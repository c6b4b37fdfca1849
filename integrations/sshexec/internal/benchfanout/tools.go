package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"opsbot/integrations/sshexec"
	"opsbot/integrations/sshexec/sshtest"
)

// benchEnv holds what every tool needs: hosts, login, key, known_hosts.
type benchEnv struct {
	srv     *sshtest.Server
	dir     string
	par     int
	targets []sshexec.Target
}

func newBenchEnv(srv *sshtest.Server, dir string, par int) (*benchEnv, error) {
	e := &benchEnv{srv: srv, dir: dir, par: par}
	var hostLines []string
	for _, h := range srv.Hosts() {
		e.targets = append(e.targets, sshexec.Target{Name: h.IP, Address: h.IP, Port: h.Port})
		hostLines = append(hostLines, h.Addr())
	}
	if err := os.WriteFile(e.path("pssh_hosts"), []byte(strings.Join(hostLines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *benchEnv) path(name string) string { return filepath.Join(e.dir, name) }

func (e *benchEnv) config() sshexec.Config {
	return sshexec.Config{
		KnownHosts:  e.srv.KnownHostsFile(),
		KeyFile:     e.srv.ClientKeyFile(),
		User:        e.srv.User(),
		Concurrency: e.par,
	}
}

// opsbotTools returns the cold and warm measurements. Cold builds a new
// Executor and fans out on an empty pool; warm fans out on an Executor whose
// pool a warm-up run (outside the measurement) has filled. Cold closes its
// Executor inside the server CPU window (its connections' whole life is
// its cost); warm closes it after (the connections were paid for before).
func (e *benchEnv) opsbotTools() [2]*tool {
	cmd := sshexec.Command{Argv: []string{"true"}}
	fanout := func(ctx context.Context, ex *sshexec.Executor) error {
		res := ex.RunMany(ctx, e.targets, cmd, sshexec.FanoutOptions{Concurrency: e.par})
		for _, r := range res.Results {
			if r.Err != nil {
				return fmt.Errorf("%d hosts failed, e.g. %v", res.Failed+res.Skipped, r.Err)
			}
		}
		return nil
	}
	var cold, warm *sshexec.Executor
	closeEx := func(ex **sshexec.Executor) func() {
		return func() {
			if *ex != nil {
				(*ex).Close()
				*ex = nil
			}
		}
	}
	coldTool := &tool{name: "opsbot cold (new connections)", teardown: closeEx(&cold),
		run: func(ctx context.Context) (time.Duration, time.Duration, error) {
			return measure(func() error {
				var err error
				if cold, err = sshexec.New(e.config()); err != nil {
					return err
				}
				return fanout(ctx, cold)
			})
		}}
	warmTool := &tool{name: "opsbot warm (pooled)", after: closeEx(&warm),
		before: func(ctx context.Context) error {
			var err error
			if warm, err = sshexec.New(e.config()); err != nil {
				return err
			}
			return fanout(ctx, warm)
		},
		run: func(ctx context.Context) (time.Duration, time.Duration, error) {
			dials := warm.Dials()
			wall, cpu, err := measure(func() error { return fanout(ctx, warm) })
			if err == nil && warm.Dials() != dials {
				err = fmt.Errorf("warm run dialed %d times", warm.Dials()-dials)
			}
			return wall, cpu, err
		}}
	return [2]*tool{coldTool, warmTool}
}

// bareLoop is the floor for cold runs: par goroutines, each dialing a host
// with x/crypto/ssh, running `true` and hanging up.
func (e *benchEnv) bareLoop(ctx context.Context) (time.Duration, time.Duration, error) {
	return measure(func() error { return e.bare() })
}

func (e *benchEnv) bare() error {
	hostKeys, err := knownhosts.New(e.srv.KnownHostsFile())
	if err != nil {
		return err
	}
	pemBytes, err := os.ReadFile(e.srv.ClientKeyFile())
	if err != nil {
		return err
	}
	signer, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		return err
	}
	cfg := &ssh.ClientConfig{User: e.srv.User(), Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKeys}
	hosts := make(chan sshtest.Host)
	errs := make(chan error, len(e.targets))
	var wg sync.WaitGroup
	for w := 0; w < e.par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range hosts {
				errs <- runOnce(h.Addr(), cfg)
			}
		}()
	}
	for _, h := range e.srv.Hosts() {
		hosts <- h
	}
	close(hosts)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// measure runs f and returns its wall time and this process's CPU time.
func measure(f func() error) (wall, cpu time.Duration, err error) {
	before := selfCPU()
	start := time.Now()
	err = f()
	return time.Since(start), selfCPU() - before, err
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runOnce(addr string, cfg *ssh.ClientConfig) error {
	c, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run("true")
}

// sshOptions are the OpenSSH client options every OpenSSH-based tool uses:
// same key, same known_hosts, checked strictly, no prompts, no config.
func (e *benchEnv) sshOptions(curve bool) []string {
	opts := []string{
		"IdentityFile=" + e.srv.ClientKeyFile(),
		"IdentitiesOnly=yes",
		"UserKnownHostsFile=" + e.srv.KnownHostsFile(),
		"GlobalKnownHostsFile=/dev/null",
		"StrictHostKeyChecking=yes",
		"BatchMode=yes",
		"ControlMaster=no",
	}
	if curve {
		opts = append(opts, "KexAlgorithms=curve25519-sha256")
	}
	return opts
}

func (e *benchEnv) parallelSSH(curve bool) func(context.Context) (time.Duration, time.Duration, error) {
	return func(ctx context.Context) (time.Duration, time.Duration, error) {
		bin, err := exec.LookPath("parallel-ssh")
		if err != nil {
			return 0, 0, fmt.Errorf("not installed (apt-get install pssh)")
		}
		args := []string{"-h", e.path("pssh_hosts"), "-l", e.srv.User(), "-p", strconv.Itoa(e.par), "-t", "120"}
		for _, o := range e.sshOptions(curve) {
			args = append(args, "-O", o)
		}
		args = append(args, "true")
		return timeCommand(ctx, bin, args, nil)
	}
}

func (e *benchEnv) ansible(ctx context.Context) (time.Duration, time.Duration, error) {
	bin, err := exec.LookPath("ansible")
	if err != nil {
		return 0, 0, fmt.Errorf("not installed")
	}
	var inv strings.Builder
	inv.WriteString("[bench]\n")
	for _, h := range e.srv.Hosts() {
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_port=%d\n", h.IP, h.IP, h.Port)
	}
	if err := os.WriteFile(e.path("ansible_hosts"), []byte(inv.String()), 0o600); err != nil {
		return 0, 0, err
	}
	var sshArgs []string
	for _, o := range e.sshOptions(false) {
		sshArgs = append(sshArgs, "-o "+o)
	}
	env := append(os.Environ(),
		"ANSIBLE_HOST_KEY_CHECKING=True",
		"ANSIBLE_SSH_ARGS="+strings.Join(sshArgs, " "),
		"ANSIBLE_PRIVATE_KEY_FILE="+e.srv.ClientKeyFile(),
		"ANSIBLE_REMOTE_USER="+e.srv.User(),
	)
	args := []string{"bench", "-i", e.path("ansible_hosts"), "-f", strconv.Itoa(e.par), "-m", "raw", "-a", "true"}
	return timeCommand(ctx, bin, args, env)
}

// timeCommand runs a tool and returns its wall time and the CPU time of it
// and the children it waited for (the ssh clients).
func timeCommand(ctx context.Context, bin string, args, env []string) (time.Duration, time.Duration, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		tail := out.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return 0, 0, fmt.Errorf("%s: %w\n%s", filepath.Base(bin), err, tail)
	}
	return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
