package sshtest

import (
	"fmt"

	"golang.org/x/crypto/ssh"
)

// Option changes how Start and New set up the servers.
type Option func(*options)

type options struct {
	addrs []string
	extra []string
	ca    ssh.Signer      // signs a host certificate when set
	cert  ssh.Certificate // its template
}

func defaultOptions() options { return options{addrs: []string{"127.0.0.1"}} }

// Addresses makes the servers listen on these loopback IPs, one simulated
// host each (each on its own random port). The default is 127.0.0.1.
func Addresses(ips ...string) Option {
	return func(o *options) { o.addrs = append([]string(nil), ips...) }
}

// LoopbackRange makes the servers act as n hosts on 127.0.0.first,
// 127.0.0.first+1, ... (Linux routes all of 127.0.0.0/8 to loopback).
// LoopbackRange(11, 100) serves 127.0.0.11–127.0.0.110.
func LoopbackRange(first, n int) Option {
	return func(o *options) {
		o.addrs = o.addrs[:0]
		for i := 0; i < n; i++ {
			o.addrs = append(o.addrs, fmt.Sprintf("127.0.0.%d", first+i))
		}
	}
}

// ExtraConfig adds sshd_config lines to every server's configuration,
// ahead of the helper's own so they take precedence.
func ExtraConfig(lines ...string) Option {
	return func(o *options) { o.extra = append(o.extra, lines...) }
}

// HostCertificate makes every sshd present, besides its plain host key, a
// host certificate signed by ca (HostCertificate in sshd_config). The
// certificate is a copy of tmpl with the host key and the host type filled
// in; a zero ValidBefore means it never expires. Tests set ValidPrincipals,
// the validity window or a different ca to see a certificate refused.
func HostCertificate(ca ssh.Signer, tmpl ssh.Certificate) Option {
	return func(o *options) { o.ca, o.cert = ca, tmpl }
}
