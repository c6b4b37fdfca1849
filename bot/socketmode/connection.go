package socketmode

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"opsbot/bot/backoff"
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
	delays := backoff.Policy{First: time.Second, Max: 30 * time.Second}
	failures := 0
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			t.m.reconnects.Inc()
		}
		start := time.Now()
		if err := t.runOnce(ctx, work, n); err != nil {
			t.setFatal(err)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			failures = 0 // it had been up a while: start over at one second
		}
		failures++
		wait := delays.Delay(failures)
		t.log.Warn("socket mode connection ended; reconnecting", "connection", n, "in", wait.String())
		if backoff.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// runOnce runs one slack-go client until it fails, the watchdog fires, or
// ctx ends. It returns an error only when Slack refuses the app-level
// token, which no reconnect can cure.
//
// The watchdog is ours: it counts every byte read, pings included, and
// replaces the client after cfg.Watchdog of silence. slack-go's own ping
// timeout (which counts only pings, and fires between one and two of its
// intervals after the last one) is set to twice that, as a backstop.
func (t *Transport) runOnce(ctx, work context.Context, n int) error {
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
	client := socketmode.New(t.api, socketmode.OptionDialer(dialer), socketmode.OptionPingInterval(2*t.cfg.Watchdog))
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
			if runCtx.Err() != nil {
				return nil
			}
			// slack-go gives up on these without retrying; a 404 from
			// apps.connections.open it also reads as a refused token.
			if code, ok := refused(err); ok {
				return refusedError("app_token", code)
			}
			if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code == http.StatusNotFound {
				return refusedError("app_token", "HTTP 404 from apps.connections.open")
			}
			if err != nil {
				t.log.Warn("socket mode client stopped", "connection", n, "err", err)
			}
			return nil
		case <-tick.C:
			if idle := time.Since(time.Unix(0, last.Load())); idle > t.cfg.Watchdog {
				t.log.Warn("nothing received from Slack for too long; reconnecting", "connection", n, "idle", idle.Round(time.Second))
				t.m.watchdog.Inc()
				cancel()
				<-done
				return nil
			}
		case evt, ok := <-client.Events:
			if !ok {
				return nil
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
				// slack-go retries these forever, but no retry can cure a
				// token of the wrong kind or without connections:write.
				if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
					if se, ok := errors.AsType[slack.SlackErrorResponse](ce.ErrorObj); ok && (se.Err == "not_allowed_token_type" || se.Err == "missing_scope") {
						cancel()
						<-done
						return refusedError("app_token", se.Err+"; it must be an app-level token (xapp-…) with connections:write")
					}
				}
			case socketmode.EventTypeInvalidAuth:
				// apps.connections.open answered 404; RunContext returns
				// that error next, and refused reports it.
			default:
				t.envelope(work, client, evt)
			}
		}
	}
}
