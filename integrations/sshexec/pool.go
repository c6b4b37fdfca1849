package sshexec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// pool keeps one *ssh.Client per key (user@host:port), shared by every
// command for that host. Concurrent first uses wait for one dial; a client
// unused for idle is closed; a client whose connection drops is forgotten;
// with keepalive set, a client that does not answer a probe within
// keepaliveWait is closed (see keepAlive).
type pool struct {
	idle          time.Duration
	maxSessions   int
	keepalive     time.Duration // 0: no probes
	keepaliveWait time.Duration
	log           *slog.Logger

	mu     sync.Mutex
	conns  map[string]*pooledConn
	closed bool
	wg     sync.WaitGroup // one per client watcher and keepalive loop

	dials     atomic.Int64
	evictions atomic.Int64
	probes    atomic.Int64 // keepalive probes answered
}

// pooledConn is a pool entry. ready is closed once the dial has finished;
// then exactly one of client and err is set.
type pooledConn struct {
	key      string
	ready    chan struct{}
	client   *ssh.Client
	onClose  func()
	err      error
	users    int
	lastUsed time.Time
	timer    *time.Timer
	sessions chan struct{} // semaphore: concurrent sessions on client
	ended    chan struct{} // closed once client's connection has ended
}

// dialFunc connects a client; onClose, if not nil, runs once the client's
// connection has ended (a tunnelled client releases its bastion there).
type dialFunc func(ctx context.Context) (client *ssh.Client, onClose func(), err error)

// poolConfig sizes a pool and times its keepalive probes.
type poolConfig struct {
	idle          time.Duration
	maxSessions   int
	keepalive     time.Duration
	keepaliveWait time.Duration
}

func newPool(cfg poolConfig, log *slog.Logger) *pool {
	return &pool{
		idle: cfg.idle, maxSessions: cfg.maxSessions,
		keepalive: cfg.keepalive, keepaliveWait: cfg.keepaliveWait,
		log: log, conns: map[string]*pooledConn{},
	}
}

// acquire returns the client for key, dialing it if there is none. The
// caller must release it.
func (p *pool) acquire(ctx context.Context, key string, dial dialFunc) (*pooledConn, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		c, ok := p.conns[key]
		if !ok {
			c = &pooledConn{key: key, ready: make(chan struct{}), sessions: make(chan struct{}, p.maxSessions)}
			p.conns[key] = c
			p.mu.Unlock()
			return p.dial(ctx, c, dial)
		}
		select {
		case <-c.ready: // dialed and still in the map: usable
			c.users++
			if c.timer != nil {
				c.timer.Stop()
			}
			p.mu.Unlock()
			return c, nil
		default:
		}
		p.mu.Unlock()
		select {
		case <-c.ready:
			// A dial that failed because its caller gave up says nothing
			// about the host: dial again for this caller.
			if c.err != nil && (!isContextErr(c.err) || ctx.Err() != nil) {
				return nil, c.err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (p *pool) dial(ctx context.Context, c *pooledConn, dial dialFunc) (*pooledConn, error) {
	p.dials.Add(1)
	client, onClose, err := dial(ctx)
	p.mu.Lock()
	if err == nil && p.closed {
		err = ErrClosed
		client.Close()
		if onClose != nil {
			onClose()
		}
	}
	if err != nil {
		c.err = err
		delete(p.conns, c.key)
		close(c.ready)
		p.mu.Unlock()
		return nil, err
	}
	c.client, c.onClose, c.users = client, onClose, 1
	c.ended = make(chan struct{})
	close(c.ready)
	p.wg.Add(1)
	go p.watch(c)
	if p.keepalive > 0 {
		p.wg.Add(1)
		go p.keepAlive(c)
	}
	p.mu.Unlock()
	return c, nil
}

// watch forgets c once its connection ends, for whatever reason.
func (p *pool) watch(c *pooledConn) {
	defer p.wg.Done()
	_ = c.client.Wait()
	close(c.ended)
	p.mu.Lock()
	if p.conns[c.key] == c {
		delete(p.conns, c.key)
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	p.mu.Unlock()
	if c.onClose != nil {
		c.onClose()
	}
}

// keepAlive probes c every p.keepalive until its connection ends. A probe
// that fails or goes unanswered for p.keepaliveWait means the host or the
// path to it is gone (rebooted, or a NAT or firewall dropped the idle
// flow): c is evicted, so the next command dials instead of failing on it.
// Commands running on c fail as they would on the dead connection anyway.
func (p *pool) keepAlive(c *pooledConn) {
	defer p.wg.Done()
	tick := time.NewTicker(p.keepalive)
	defer tick.Stop()
	for {
		select {
		case <-c.ended:
			return
		case <-tick.C:
		}
		var dropped bool
		err := probe(c.client, p.keepaliveWait, func() { dropped = p.evict(c) })
		if err == nil {
			p.probes.Add(1)
			continue
		}
		if !dropped { // the request failed: the connection had ended, or ends now
			dropped = p.evict(c)
		}
		if dropped {
			p.log.Warn("ssh keepalive failed; connection dropped", "connection", c.key, "error", err)
		}
		return
	}
}

// probe sends a keepalive@openssh.com global request and waits at most
// wait for the answer. OpenSSH answers it with a refusal, which proves the
// connection alive as well as an acceptance would. On timeout it calls
// giveUp, which must close client (that ends the wait for the answer).
func probe(client *ssh.Client, wait time.Duration, giveUp func()) error {
	answered := make(chan error, 1)
	go func() {
		_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
		answered <- err
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-answered:
		if err != nil {
			return fmt.Errorf("keepalive: %w", err)
		}
		return nil
	case <-timer.C:
		giveUp()
		<-answered
		return fmt.Errorf("keepalive: no answer within %s", wait)
	}
}

// release returns a reference; the last one arms the idle timer.
func (p *pool) release(c *pooledConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.users--
	c.lastUsed = time.Now()
	if c.users > 0 || p.closed || p.conns[c.key] != c {
		return
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(p.idle, func() { p.expire(c) })
	} else {
		c.timer.Reset(p.idle)
	}
}

func (p *pool) expire(c *pooledConn) {
	p.mu.Lock()
	if c.users > 0 || p.conns[c.key] != c || time.Since(c.lastUsed) < p.idle {
		p.mu.Unlock()
		return
	}
	delete(p.conns, c.key)
	p.mu.Unlock()
	p.evictions.Add(1)
	c.client.Close()
}

// evict drops a client found broken and closes it; holders still release
// it. It reports whether c was still in the pool.
func (p *pool) evict(c *pooledConn) bool {
	p.mu.Lock()
	dropped := p.conns[c.key] == c
	if dropped {
		delete(p.conns, c.key)
		p.evictions.Add(1)
	}
	p.mu.Unlock()
	c.client.Close()
	return dropped
}

// acquireSession takes one of c's session slots.
func (c *pooledConn) acquireSession(ctx context.Context) error {
	select {
	case c.sessions <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *pooledConn) releaseSession() { <-c.sessions }

// size returns the number of connected clients.
func (p *pool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.conns {
		if c.client != nil {
			n++
		}
	}
	return n
}

// close closes every client and waits for their watchers.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	var clients []*ssh.Client
	for _, c := range p.conns {
		if c.timer != nil {
			c.timer.Stop()
		}
		if c.client != nil {
			clients = append(clients, c.client)
		}
	}
	p.conns = map[string]*pooledConn{}
	p.mu.Unlock()
	for _, cl := range clients {
		cl.Close()
	}
	p.wg.Wait()
}
