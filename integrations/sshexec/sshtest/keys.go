package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// newKeyFile generates an ed25519 key, writes it unencrypted in OpenSSH
// format to path (mode 0600) and returns its signer.
func newKeyFile(path string) (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("signer from key: %w", err)
	}
	return signer, nil
}

// NewCA returns a fresh ed25519 signer to sign host certificates with
// (HostCertificate), for tests of known_hosts @cert-authority lines.
func NewCA() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("signer from CA key: %w", err)
	}
	return signer, nil
}

// writeHostCert certifies key with ca from the template tmpl and writes the
// certificate next to the host key, where HostCertificate points.
func writeHostCert(dir string, key ssh.PublicKey, ca ssh.Signer, tmpl ssh.Certificate) (*ssh.Certificate, string, error) {
	cert := tmpl
	cert.Key = key
	cert.CertType = ssh.HostCert
	if cert.ValidBefore == 0 {
		cert.ValidBefore = ssh.CertTimeInfinity
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		return nil, "", fmt.Errorf("sign host certificate: %w", err)
	}
	path := filepath.Join(dir, "ssh_host_ed25519_key-cert.pub")
	if err := os.WriteFile(path, ssh.MarshalAuthorizedKey(&cert), 0o644); err != nil {
		return nil, "", fmt.Errorf("write host certificate: %w", err)
	}
	return &cert, path, nil
}
