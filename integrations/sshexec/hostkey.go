package sshexec

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a refused host key. Its message names the host and the
// presented key's SHA256 fingerprint and says what to do about it.
type HostKeyError struct {
	// Host is the target's name; Address the host:port looked up.
	Host, Address string
	// KeyType and Fingerprint (SHA256:…) describe the presented key.
	KeyType, Fingerprint string
	// KnownHosts is the file consulted.
	KnownHosts string
	// Known lists the keys the file holds for the host ("file:line type
	// fingerprint"); non-empty means the key CHANGED.
	Known []string
	// Revoked is set when the file marks the key @revoked.
	Revoked bool
}

// Changed reports whether known_hosts holds a different key for the host.
func (e *HostKeyError) Changed() bool { return len(e.Known) > 0 }

func (e *HostKeyError) Error() string {
	host, port, _ := net.SplitHostPort(e.Address)
	switch {
	case e.Revoked:
		return fmt.Sprintf("host key of %s (%s) is marked @revoked in %s: it presented %s %s; do not connect, investigate the host",
			e.Host, e.Address, e.KnownHosts, e.KeyType, e.Fingerprint)
	case e.Changed():
		return fmt.Sprintf("host key of %s (%s) CHANGED: it presented %s %s, but %s has %s; "+
			"this may be a man-in-the-middle attack or a reinstalled host: investigate before replacing the old line",
			e.Host, e.Address, e.KeyType, e.Fingerprint, e.KnownHosts, strings.Join(e.Known, ", "))
	default:
		return fmt.Sprintf("host key of %s (%s) is unknown: it presented %s %s, which %s does not list; "+
			"check the fingerprint with the host's owner (ssh-keyscan -p %s %s | ssh-keygen -lf -) and add its line to %s",
			e.Host, e.Address, e.KeyType, e.Fingerprint, e.KnownHosts, port, host, e.KnownHosts)
	}
}

// Unwrap makes errors.Is(err, ErrHostKey) true.
func (e *HostKeyError) Unwrap() error { return ErrHostKey }

// hostKeyDB checks host keys against a known_hosts file, re-reading it when
// its size or modification time changes, so an operator who adds a line
// need not restart opsbot.
type hostKeyDB struct {
	path  string
	probe ssh.PublicKey // a key no host has: asks the file what it knows

	mu   sync.Mutex
	cb   ssh.HostKeyCallback
	mod  time.Time
	size int64
}

func newHostKeyDB(path string) (*hostKeyDB, error) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate probe key: %w", err)
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("generate probe key: %w", err)
	}
	db := &hostKeyDB{path: path, probe: probe}
	if _, err := db.current(); err != nil {
		return nil, err
	}
	return db, nil
}

func (db *hostKeyDB) current() (ssh.HostKeyCallback, error) {
	fi, err := os.Stat(db.path)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.cb != nil && fi.ModTime().Equal(db.mod) && fi.Size() == db.size {
		return db.cb, nil
	}
	cb, err := knownhosts.New(db.path)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	db.cb, db.mod, db.size = cb, fi.ModTime(), fi.Size()
	return cb, nil
}

// checker returns the callback for one connection to address (host:port)
// and the host key algorithms to ask for: those of the keys known_hosts
// holds for it, so a host with several keys is not reported as changed
// because it offered a type we have no line for. refused records the
// HostKeyError the callback returned, if any.
func (db *hostKeyDB) checker(name, address string) (cb ssh.HostKeyCallback, algos []string, refused func() *HostKeyError, err error) {
	known, err := db.current()
	if err != nil {
		return nil, nil, nil, err
	}
	algos = algorithmsFor(known, address, db.probe)
	var mu sync.Mutex
	var hkErr *HostKeyError
	cb = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := known(hostname, remote, key)
		if err == nil {
			return nil
		}
		e := &HostKeyError{Host: name, Address: address, KeyType: key.Type(),
			Fingerprint: ssh.FingerprintSHA256(key), KnownHosts: db.path}
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr):
			for _, w := range keyErr.Want {
				e.Known = append(e.Known, fmt.Sprintf("%s:%d %s %s", w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key)))
			}
		case errors.As(err, &revoked):
			e.Revoked = true
		default:
			return fmt.Errorf("check host key of %s: %w: %w", name, ErrHostKey, err)
		}
		mu.Lock()
		hkErr = e
		mu.Unlock()
		return e
	}
	refused = func() *HostKeyError {
		mu.Lock()
		defer mu.Unlock()
		return hkErr
	}
	return cb, algos, refused, nil
}

// algorithmsFor lists the host key algorithms matching the keys known for
// address, or nil (library defaults) when there are none.
func algorithmsFor(known ssh.HostKeyCallback, address string, probe ssh.PublicKey) []string {
	var keyErr *knownhosts.KeyError
	err := known(address, &net.TCPAddr{IP: net.IPv4zero}, probe)
	if !errors.As(err, &keyErr) || len(keyErr.Want) == 0 {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	for _, w := range keyErr.Want {
		if w.Key.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
		}
		add(w.Key.Type())
	}
	return algos
}
