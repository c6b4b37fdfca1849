package socketmode

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/socketmode"
)

// liveConn counts what arrives on a connection, pings included, so the
// watchdog can tell a silent socket from a quiet workspace.
type liveConn struct {
	net.Conn
	last *atomic.Int64
}

func (c liveConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// supervise keeps connection n open until ctx ends: it runs a slack-go
// client, reads its events, and replaces the client when the watchdog sees
// no traffic for too long or the client gives up.
func (t *Transport) supervise(ctx, work context.Context, n int) {
	backoff := time.Second
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			t.m.reconnects.Inc()
		}
		start := time.Now()
		t.runOnce(ctx, work, n)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			backoff = time.Second
		}
		t.log.Warn("socket mode connection ended; reconnecting", "connection", n, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// runOnce runs one slack-go client until it fails, the watchdog fires, or
// ctx ends.
func (t *Transport) runOnce(ctx, work context.Context, n int) {
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	dialer := &websocket.Dialer{
		HandshakeTimeout: 15 * time.Second,
		Proxy:            websocket.DefaultDialer.Proxy,
		WriteBufferSize:  32 * 1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return liveConn{Conn: c, last: &last}, nil
		},
	}
	client := socketmode.New(t.api, socketmode.OptionDialer(dialer), socketmode.OptionPingInterval(t.cfg.Watchdog))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(runCtx) }()

	up := false
	setUp := func(v bool) {
		if v == up {
			return
		}
		up = v
		if v {
			t.connected.Add(1)
			t.m.connected.Inc()
		} else {
			t.connected.Add(-1)
			t.m.connected.Dec()
		}
		t.lastUp.Store(time.Now().UnixNano())
	}
	defer setUp(false)

	tick := time.NewTicker(t.cfg.Watchdog / 4)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil && runCtx.Err() == nil {
				t.log.Warn("socket mode client stopped", "connection", n, "err", err)
			}
			return
		case <-tick.C:
			if idle := time.Since(time.Unix(0, last.Load())); idle > t.cfg.Watchdog {
				t.log.Warn("nothing received from Slack for too long; reconnecting", "connection", n, "idle", idle.Round(time.Second))
				cancel()
				<-done
				return
			}
		case evt, ok := <-client.Events:
			if !ok {
				return
			}
			switch evt.Type {
			case socketmode.EventTypeConnected:
				if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok && c.ConnectionCount > 0 {
					t.m.reconnects.Inc()
				}
				setUp(true)
				t.log.Info("socket mode connected", "connection", n)
			case socketmode.EventTypeConnecting, socketmode.EventTypeConnectionError, socketmode.EventTypeDisconnect:
				setUp(false)
				t.log.Info("socket mode not connected", "connection", n, "event", string(evt.Type))
			case socketmode.EventTypeInvalidAuth:
				t.setFatal(authError("app_token", errInvalidAuth))
				cancel()
			default:
				t.envelope(work, client, evt)
			}
		}
	}
}
