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
)

// HostKeyError is a refused host key. Its message names the host and the
// presented key's SHA256 fingerprint and says what to do about it.
type HostKeyError struct {
	// Host is the target's name; Address the host:port looked up.
	Host, Address string
	// KeyType and Fingerprint (SHA256:…) describe the presented key; for a
	// certificate, the key it certifies (as ssh-keyscan shows it).
	KeyType, Fingerprint string
	// KnownHosts is the file consulted.
	KnownHosts string
	// Known lists the keys the file holds for the host ("file:line type
	// fingerprint"); non-empty means the key CHANGED.
	Known []string
	// Authorities lists the file's @cert-authority lines for the host, in
	// the same form: they vouch for host certificates, never for keys.
	Authorities []string
	// Revoked is set when the file marks the key, or the CA that signed
	// the presented certificate, @revoked.
	Revoked bool
	// CA is the fingerprint of the CA that signed the presented
	// certificate; empty when the host presented a plain key.
	CA string
	// Certificate says why the presented certificate was refused.
	Certificate string
}

// Changed reports whether known_hosts holds a different key for the host.
func (e *HostKeyError) Changed() bool { return len(e.Known) > 0 }

func (e *HostKeyError) Error() string {
	host, port, _ := net.SplitHostPort(e.Address)
	keyscan := fmt.Sprintf("ssh-keyscan -p %s %s | ssh-keygen -lf -", port, host)
	switch {
	case e.Revoked && e.Certificate != "":
		return fmt.Sprintf("host certificate of %s (%s) refused: %s in %s; it certifies %s %s; do not connect, investigate the host",
			e.Host, e.Address, e.Certificate, e.KnownHosts, e.KeyType, e.Fingerprint)
	case e.Revoked:
		return fmt.Sprintf("host key of %s (%s) is marked @revoked in %s: it presented %s %s; do not connect, investigate the host",
			e.Host, e.Address, e.KnownHosts, e.KeyType, e.Fingerprint)
	case e.Certificate != "":
		msg := fmt.Sprintf("host certificate of %s (%s) refused: %s; it certifies %s %s and is signed by CA %s. "+
			"Renew or fix the host's certificate (HostCertificate in its sshd_config), or check the host's own key with its owner (%s) and add its line to %s",
			e.Host, e.Address, e.Certificate, e.KeyType, e.Fingerprint, e.CA, keyscan, e.KnownHosts)
		if e.Changed() {
			msg += fmt.Sprintf("; beware: %s lists other keys for it (%s), this may be a man-in-the-middle attack",
				e.KnownHosts, strings.Join(e.Known, ", "))
		}
		return msg
	case e.Changed():
		return fmt.Sprintf("host key of %s (%s) CHANGED: it presented %s %s, but %s has %s; "+
			"this may be a man-in-the-middle attack or a reinstalled host: investigate before replacing the old line",
			e.Host, e.Address, e.KeyType, e.Fingerprint, e.KnownHosts, strings.Join(e.Known, ", "))
	case len(e.Authorities) > 0:
		return fmt.Sprintf("host key of %s (%s) is not trusted: it presented the plain key %s %s, but %s lists only "+
			"@cert-authority lines for it (%s), which vouch for host certificates signed by that CA, never for keys; "+
			"have the host present such a certificate (HostCertificate in its sshd_config), or check the fingerprint with the host's owner (%s) "+
			"and add the host's own key to %s",
			e.Host, e.Address, e.KeyType, e.Fingerprint, e.KnownHosts, strings.Join(e.Authorities, ", "), keyscan, e.KnownHosts)
	default:
		return fmt.Sprintf("host key of %s (%s) is unknown: it presented %s %s, which %s does not list; "+
			"check the fingerprint with the host's owner (%s) and add its line to %s",
			e.Host, e.Address, e.KeyType, e.Fingerprint, e.KnownHosts, keyscan, e.KnownHosts)
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

	mu    sync.Mutex
	known *knownHosts
	mod   time.Time
	size  int64
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

func (db *hostKeyDB) current() (*knownHosts, error) {
	fi, err := os.Stat(db.path)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.known != nil && fi.ModTime().Equal(db.mod) && fi.Size() == db.size {
		return db.known, nil
	}
	known, err := loadKnownHosts(db.path, db.probe)
	if err != nil {
		return nil, err
	}
	db.known, db.mod, db.size = known, fi.ModTime(), fi.Size()
	return known, nil
}

// checker returns the callback for one connection to address (host:port)
// and the host key algorithms to ask for (see knownHosts.algorithms).
// refused records the HostKeyError the callback returned, if any.
func (db *hostKeyDB) checker(name, address string) (cb ssh.HostKeyCallback, algos []string, refused func() *HostKeyError, err error) {
	known, err := db.current()
	if err != nil {
		return nil, nil, nil, err
	}
	if algos, err = known.algorithms(address); err != nil {
		return nil, nil, nil, fmt.Errorf("check host key of %s: %w", name, err)
	}
	var mu sync.Mutex
	var hkErr *HostKeyError
	cb = func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		err := known.verify(name, hostname, key)
		var e *HostKeyError
		if errors.As(err, &e) {
			mu.Lock()
			hkErr = e
			mu.Unlock()
			return e
		}
		if err != nil {
			return fmt.Errorf("check host key of %s: %w: %w", name, ErrHostKey, err)
		}
		return nil
	}
	refused = func() *HostKeyError {
		mu.Lock()
		defer mu.Unlock()
		return hkErr
	}
	return cb, algos, refused, nil
}
