package sshtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strings"
	"time"
)

// UserEnvVar names an existing account that tests log in as. It takes
// precedence over DefaultUser.
const UserEnvVar = "OPSBOT_SSHTEST_USER"

// DefaultUser is the unprivileged account tests log in as when UserEnvVar is
// unset. Running as root, the helper creates it (login shell /bin/sh, so no
// ~/.bashrc runs for each command).
const DefaultUser = "opsbot-test"

// loginUser picks the account remote commands run as: $OPSBOT_SSHTEST_USER,
// else opsbot-test (created when running as root), else the current user.
func loginUser() (*user.User, error) {
	if name := os.Getenv(UserEnvVar); name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("look up %s=%s: %w", UserEnvVar, name, err)
		}
		return u, nil
	}
	if u, err := user.Lookup(DefaultUser); err == nil {
		return u, unlockIfRoot(DefaultUser)
	}
	if os.Geteuid() == 0 {
		if err := createUser(DefaultUser); err != nil {
			return nil, err
		}
		u, err := user.Lookup(DefaultUser)
		if err != nil {
			return nil, fmt.Errorf("look up %s after creating it: %w", DefaultUser, err)
		}
		return u, unlockIfRoot(DefaultUser)
	}
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("look up current user: %w", err)
	}
	return u, nil
}

// createUser runs useradd. Test packages run in parallel, so "already
// exists" counts as success and a busy /etc/passwd lock is retried.
func createUser(name string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		// -p '*': no password, but not "locked" ('!'), which sshd refuses
		// for key logins when UsePAM is off.
		cmd := exec.Command("useradd", "--system", "--shell", "/bin/sh", "--create-home", "-p", "*", name)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		if _, lookErr := user.Lookup(name); lookErr == nil {
			return nil // created concurrently
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 9 { // E_NAME_IN_USE
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("useradd %s: %w: %s", name, err, bytes.TrimSpace(out))
		}
		time.Sleep(100 * time.Millisecond) // another process holds the passwd lock
	}
}

// unlockIfRoot replaces a locked password field ('!') of the test account
// with '*' so sshd (UsePAM no) lets key logins through.
func unlockIfRoot(name string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	f, err := os.Open("/etc/shadow")
	if err != nil {
		return nil // no shadow file: nothing can be locked there
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) < 2 || fields[0] != name {
			continue
		}
		if !strings.HasPrefix(fields[1], "!") {
			return nil
		}
		if out, err := exec.Command("usermod", "-p", "*", name).CombinedOutput(); err != nil {
			return fmt.Errorf("unlock %s: %w: %s", name, err, bytes.TrimSpace(out))
		}
		return nil
	}
	return nil
}
