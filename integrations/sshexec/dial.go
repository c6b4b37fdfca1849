package sshexec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// connect returns the pooled client for t, dialing (through the bastion
// when configured) if there is none.
func (e *Executor) connect(ctx context.Context, t Target) (*pooledConn, error) {
	key := t.User + "@" + t.HostPort()
	return e.pool.acquire(ctx, key, func(ctx context.Context) (*ssh.Client, func(), error) {
		return e.dialTarget(ctx, t)
	})
}

// dialTCP opens the TCP connection to addr, through the test hook when set.
func (e *Executor) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	if e.dialHook != nil {
		return e.dialHook(ctx, addr)
	}
	return (&net.Dialer{Timeout: e.cfg.ConnectTimeout}).DialContext(ctx, "tcp", addr)
}

func (e *Executor) dialTarget(ctx context.Context, t Target) (*ssh.Client, func(), error) {
	b := e.cfg.Bastion
	if b == nil {
		conn, err := e.dialTCP(ctx, t.HostPort())
		if err != nil {
			return nil, nil, fmt.Errorf("connect to %s (%s): %w: %w", t.Name, t.HostPort(), ErrUnreachable, err)
		}
		c, err := e.handshake(ctx, conn, t)
		return c, nil, err
	}
	bt := Target{Name: "bastion " + b.Address, Address: b.Address, Port: b.Port, User: b.User}
	bc, err := e.pool.acquire(ctx, "bastion:"+bt.User+"@"+bt.HostPort(), func(ctx context.Context) (*ssh.Client, func(), error) {
		conn, err := e.dialTCP(ctx, bt.HostPort())
		if err != nil {
			return nil, nil, fmt.Errorf("connect to %s (%s): %w: %w", bt.Name, bt.HostPort(), ErrUnreachable, err)
		}
		c, err := e.handshake(ctx, conn, bt)
		return c, nil, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reach %s: %w", t.Name, err)
	}
	dctx, cancel := context.WithTimeout(ctx, e.cfg.ConnectTimeout)
	conn, err := bc.client.DialContext(dctx, "tcp", t.HostPort())
	cancel()
	if err != nil {
		e.pool.release(bc)
		return nil, nil, fmt.Errorf("connect to %s (%s) via %s: %w: %w", t.Name, t.HostPort(), bt.Name, ErrUnreachable, err)
	}
	c, err := e.handshake(ctx, conn, t)
	if err != nil {
		e.pool.release(bc)
		return nil, nil, err
	}
	// The tunnelled client holds its bastion until its connection ends.
	return c, func() { e.pool.release(bc) }, nil
}

// handshake runs the SSH handshake on conn within ConnectTimeout and ctx,
// and classifies failures: host key, authentication, or unreachable.
func (e *Executor) handshake(ctx context.Context, conn net.Conn, t Target) (*ssh.Client, error) {
	cb, algos, refused, err := e.hostKeys.checker(t.Name, t.HostPort())
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to %s: %w: %w", t.Name, ErrHostKey, err)
	}
	methods, releaseAuth := e.auth.methods()
	defer releaseAuth()
	cfg := &ssh.ClientConfig{
		User:              t.User,
		Auth:              methods,
		HostKeyCallback:   cb,
		HostKeyAlgorithms: algos,
		Timeout:           e.cfg.ConnectTimeout,
	}

	// Closing conn is the one way to interrupt a handshake on any kind of
	// connection (tunnelled ones have no deadlines).
	var once sync.Once
	var why error
	abort := func(err error) {
		once.Do(func() { why = err; conn.Close() })
	}
	timer := time.AfterFunc(e.cfg.ConnectTimeout, func() {
		abort(fmt.Errorf("handshake timed out after %s", e.cfg.ConnectTimeout))
	})
	stopCtx := context.AfterFunc(ctx, func() { abort(ctx.Err()) })
	sc, chans, reqs, err := ssh.NewClientConn(conn, t.HostPort(), cfg)
	timer.Stop()
	stopCtx()
	once.Do(func() {}) // from here on, abort does nothing
	if err == nil && why != nil {
		sc.Close()
		err = why
	}
	if err != nil {
		conn.Close()
		return nil, e.handshakeError(t, err, why, refused())
	}
	e.log.Debug("ssh connected", "target", t.Name, "address", t.HostPort(), "user", t.User)
	return ssh.NewClient(sc, chans, reqs), nil
}

func (e *Executor) handshakeError(t Target, err, aborted error, hk *HostKeyError) error {
	switch {
	case hk != nil:
		e.log.Warn("ssh host key refused", "target", t.Name, "address", t.HostPort(),
			"fingerprint", hk.Fingerprint, "changed", hk.Changed(), "revoked", hk.Revoked, "certificate", hk.Certificate)
		return fmt.Errorf("connect to %s: %w", t.Name, hk)
	case errors.Is(err, ErrHostKey):
		return err
	case aborted != nil && isContextErr(aborted):
		return aborted
	case aborted != nil:
		return fmt.Errorf("connect to %s (%s): %w: %w", t.Name, t.HostPort(), ErrUnreachable, aborted)
	case errors.Is(err, ErrAuth):
		return fmt.Errorf("log in to %s as %s: %w", t.Name, t.User, err)
	case strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("log in to %s as %s: %w: the host accepted none of the offered keys (%w)", t.Name, t.User, ErrAuth, err)
	default:
		return fmt.Errorf("connect to %s (%s): %w: %w", t.Name, t.HostPort(), ErrUnreachable, err)
	}
}
