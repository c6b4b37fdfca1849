package sshexec

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"opsbot/integrations/sshexec/sshtest"
)

// freezingProxy forwards TCP connections to a backend until freeze, after
// which the connections it has stop passing bytes without closing, as when
// a host vanishes from the network. New connections still pass.
type freezingProxy struct {
	l       net.Listener
	backend string
	mu      sync.Mutex
	frozen  []chan struct{}
	conns   []net.Conn
	wg      sync.WaitGroup
}

func startFreezingProxy(t *testing.T, backend string) *freezingProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{l: l, backend: backend}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *freezingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			c.Close()
			continue
		}
		freeze := make(chan struct{})
		p.mu.Lock()
		p.frozen = append(p.frozen, freeze)
		p.conns = append(p.conns, c, b)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, b, freeze)
		go p.pipe(b, c, freeze)
	}
}

// pipe copies until freeze, then drains src without forwarding.
func (p *freezingProxy) pipe(dst, src net.Conn, freeze chan struct{}) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-freeze:
			n = 0
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		close(f)
	}
	p.frozen = nil
}

func (p *freezingProxy) close() {
	p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// A pooled connection whose peer went silent is given up after
// ConnectTimeout and the command runs on a new one.
func TestRunReplacesSilentConnection(t *testing.T) {
	t.Parallel()
	s := sshtest.Start(t)
	proxy := startFreezingProxy(t, s.Addr())
	_, portStr, _ := net.SplitHostPort(proxy.l.Addr().String())
	port, _ := strconv.Atoi(portStr)

	cfg := testConfig(s)
	cfg.ConnectTimeout = 500 * time.Millisecond
	cfg.KnownHosts = writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(proxy.l.Addr().String())}, s.HostKey()))
	e := newTestExecutor(t, cfg)
	target := Target{Name: "via-proxy", Address: "127.0.0.1", Port: port}
	if r := e.Run(context.Background(), target, Command{Argv: []string{"true"}}); r.Err != nil {
		t.Fatalf("first run: %v", r.Err)
	}
	proxy.freeze()
	r := e.Run(context.Background(), target, Command{Argv: []string{"echo", "again"}})
	if r.Err != nil || r.Stdout != "again\n" {
		t.Fatalf("run after the connection went silent: %q, %v", r.Stdout, r.Err)
	}
	if d := e.Dials(); d != 2 {
		t.Errorf("dials = %d, want 2", d)
	}
}
