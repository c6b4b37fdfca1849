package sshexec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const markerCertAuthority = "@cert-authority"

// anyAddr stands in for the remote address in look-ups: the knownhosts
// callback prefers the host name it is given, which is always set here.
var anyAddr net.Addr = &net.TCPAddr{IP: net.IPv4zero}

// knownHosts is one reading of the known_hosts file. x/crypto's knownhosts
// matches the host patterns (hashed, wildcards, negations) and @revoked
// lines, but its plain-key check also accepts a key written on a
// @cert-authority line, which OpenSSH never does; so the lines it reports
// are told apart here by their numbers, and certificates are checked here.
type knownHosts struct {
	path  string
	check ssh.HostKeyCallback // x/crypto's, used for look-ups only
	ca    map[int]bool        // numbers of the @cert-authority lines
	probe ssh.PublicKey       // a key no host has
}

// loadKnownHosts reads path. The file is read twice (once by knownhosts,
// once here for the markers), so it is read again until both agree.
func loadKnownHosts(path string, probe ssh.PublicKey) (*knownHosts, error) {
	for range 3 {
		before, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read known_hosts: %w", err)
		}
		check, err := knownhosts.New(path)
		if err != nil {
			return nil, fmt.Errorf("read known_hosts: %w", err)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read known_hosts: %w", err)
		}
		if bytes.Equal(before, after) {
			return &knownHosts{path: path, check: check, ca: certAuthorityLines(before), probe: probe}, nil
		}
	}
	return nil, fmt.Errorf("read known_hosts %s: it kept changing while being read", path)
}

// certAuthorityLines numbers lines as knownhosts does (from 1, counting
// blank lines and comments) and returns those marked @cert-authority.
func certAuthorityLines(data []byte) map[int]bool {
	lines := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimLeft(sc.Bytes(), " \t")
		if i := bytes.IndexAny(line, " \t"); i > 0 && string(line[:i]) == markerCertAuthority {
			lines[n] = true
		}
	}
	return lines
}

// lookup returns the host keys and the certificate authorities the file
// lists for address (host:port).
func (k *knownHosts) lookup(address string) (keys, cas []knownhosts.KnownKey, err error) {
	var keyErr *knownhosts.KeyError
	err = k.check(address, anyAddr, k.probe)
	if !errors.As(err, &keyErr) {
		return nil, nil, fmt.Errorf("look up %s in %s: %w", address, k.path, err)
	}
	for _, w := range keyErr.Want {
		if k.ca[w.Line] {
			cas = append(cas, w)
		} else {
			keys = append(keys, w)
		}
	}
	return keys, cas, nil
}

// revoked reports whether the file marks the plain key @revoked.
func (k *knownHosts) revoked(address string, key ssh.PublicKey) bool {
	var rev *knownhosts.RevokedError
	return errors.As(k.check(address, anyAddr, key), &rev)
}

// verify accepts key from address the way OpenSSH does: a plain key when a
// host key line lists it; a certificate when a @cert-authority line for the
// host lists its signer and it is a host certificate valid now for the host
// dialled, or else when its certified key is listed as a plain key. A key
// or CA marked @revoked is refused either way. A refusal is a *HostKeyError.
func (k *knownHosts) verify(name, address string, key ssh.PublicKey) error {
	keys, cas, err := k.lookup(address)
	if err != nil {
		return err
	}
	plain := key
	cert, isCert := key.(*ssh.Certificate)
	if isCert {
		plain = cert.Key
	}
	e := &HostKeyError{Host: name, Address: address, KeyType: plain.Type(),
		Fingerprint: ssh.FingerprintSHA256(plain), KnownHosts: k.path}
	if isCert {
		e.CA = ssh.FingerprintSHA256(cert.SignatureKey)
	}
	switch {
	case k.revoked(address, plain):
		e.Revoked = true
		return e
	case isCert && k.revoked(address, cert.SignatureKey):
		e.Revoked = true
		e.Certificate = "its CA " + e.CA + " is marked @revoked"
		return e
	}
	e.Known, e.Authorities = describeKeys(keys), describeKeys(cas)
	if isCert {
		if e.Certificate = certProblem(address, cert, cas); e.Certificate == "" {
			return nil
		}
	}
	for _, w := range keys {
		if bytes.Equal(w.Key.Marshal(), plain.Marshal()) {
			return nil
		}
	}
	return e
}

// certProblem says why cert does not vouch for address, or "" when it does.
// As in OpenSSH, the principal checked is the host part of the address
// dialled, and a certificate without principals is valid for any host.
func certProblem(address string, cert *ssh.Certificate, cas []knownhosts.KnownKey) string {
	if cert.CertType != ssh.HostCert {
		return "it is a user certificate, not a host certificate"
	}
	trusted := false
	for _, ca := range cas {
		trusted = trusted || bytes.Equal(ca.Key.Marshal(), cert.SignatureKey.Marshal())
	}
	if !trusted {
		return "no @cert-authority line for this host lists the CA that signed it"
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	var checker ssh.CertChecker
	if err := checker.CheckCert(host, cert); err != nil {
		return fmt.Sprintf("%s (valid %s)", strings.TrimPrefix(err.Error(), "ssh: "), validity(cert))
	}
	return ""
}

// validity describes the certificate's validity window.
func validity(cert *ssh.Certificate) string {
	at := func(t uint64) string {
		if t > 1<<62 {
			return "forever"
		}
		return time.Unix(int64(t), 0).UTC().Format(time.RFC3339)
	}
	return "from " + at(cert.ValidAfter) + " to " + at(cert.ValidBefore)
}

func describeKeys(keys []knownhosts.KnownKey) []string {
	var out []string
	for _, w := range keys {
		out = append(out, fmt.Sprintf("%s:%d %s %s", w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key)))
	}
	return out
}

// algorithms lists the host key algorithms to ask address for: nil (the
// library's defaults) when the file lists nothing for it. Otherwise, with a
// @cert-authority line for it, the certificate algorithms first; then the
// types of its listed keys, so a host with several keys is not reported as
// changed because it offered a type we have no line for — or, with no key
// listed, every plain type, so a host without a certificate shows its key
// and is refused with a message rather than failing negotiation.
func (k *knownHosts) algorithms(address string) ([]string, error) {
	keys, cas, err := k.lookup(address)
	if err != nil || len(keys) == 0 && len(cas) == 0 {
		return nil, err
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	supported := ssh.SupportedAlgorithms().HostKeys
	if len(cas) > 0 {
		for _, a := range supported {
			if isCertAlgo(a) {
				add(a)
			}
		}
	}
	for _, w := range keys {
		if w.Key.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
		}
		add(w.Key.Type())
	}
	if len(keys) == 0 {
		for _, a := range supported {
			if !isCertAlgo(a) {
				add(a)
			}
		}
	}
	return algos, nil
}

func isCertAlgo(algo string) bool { return strings.Contains(algo, "-cert-v01@openssh.com") }
